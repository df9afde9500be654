//! SiLU and attention as single autodiff nodes with their own backward passes.

use std::marker::PhantomData;

use burn::backend::Autodiff;
use burn::backend::autodiff::NodeId;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::retro_forward::RetroForward;
use burn::backend::autodiff::checkpoint::state::BackwardStates;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::backend::tensor::FloatTensor;

use crate::extension::MobileVitOps;

impl<B: MobileVitOps, C: CheckpointStrategy> MobileVitOps for Autodiff<B, C> {
    /// One node that keeps only its input; memory-bound, so gradient checkpointing recomputes
    /// it like Burn's own activations.
    fn silu(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        match Silu
            .prepare::<C>([tensor.node()])
            .memory_bound()
            .retro_forward(RetroSilu::<B> {
                input: tensor.id(),
                backend: PhantomData,
            })
            .parents([&tensor])
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let state = prep.checkpoint(&tensor);
                prep.finish(state, B::silu(tensor.into_primitive()))
            }
            OpsKind::UnTracked(prep) => prep.finish(B::silu(tensor.into_primitive())),
        }
    }

    /// One node that keeps Q, K and V; the backward pass recomputes the attention weights.
    /// (Burn's autodiff records a matmul, a composed softmax and a second matmul, keeping the
    /// exponentials and the weights until the backward pass.)
    fn scaled_attention(
        query: FloatTensor<Self>,
        key: FloatTensor<Self>,
        value: FloatTensor<Self>,
        scale: f64,
    ) -> FloatTensor<Self> {
        let prepared = ScaledAttention
            .prepare::<C>([query.node(), key.node(), value.node()])
            .compute_bound()
            .stateful();
        let forward = |query, key, value| B::scaled_attention(query, key, value, scale);
        match prepared {
            OpsKind::Tracked(mut prep) => {
                let state = AttentionState {
                    query: prep.checkpoint(&query),
                    key: prep.checkpoint(&key),
                    value: prep.checkpoint(&value),
                    scale,
                };
                let output = forward(
                    query.into_primitive(),
                    key.into_primitive(),
                    value.into_primitive(),
                );
                prep.finish(state, output)
            }
            OpsKind::UnTracked(prep) => prep.finish(forward(
                query.into_primitive(),
                key.into_primitive(),
                value.into_primitive(),
            )),
        }
    }
}

#[derive(Debug)]
struct Silu;

impl<B: MobileVitOps> Backward<B, 1> for Silu {
    type State = NodeId;

    fn backward(
        self,
        ops: Ops<Self::State, 1>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let input = checkpointer.retrieve_node_output(ops.state);
        unary::<B, _>(ops.parents, ops.node, grads, |grad| {
            B::silu_backward(input, grad)
        });
    }
}

/// Recomputes SiLU's output from its input under gradient checkpointing.
#[derive(Debug, Clone)]
struct RetroSilu<B> {
    input: NodeId,
    backend: PhantomData<B>,
}

impl<B: MobileVitOps> RetroForward for RetroSilu<B> {
    fn forward(&self, states: &mut BackwardStates, out_node: NodeId) {
        let input = states.get_state::<FloatTensor<B>>(&self.input);
        states.save(out_node, B::silu(input));
    }
}

#[derive(Debug)]
struct ScaledAttention;

/// The checkpointed inputs of [`ScaledAttention`] and its scale.
#[derive(Debug, Clone)]
struct AttentionState {
    query: NodeId,
    key: NodeId,
    value: NodeId,
    scale: f64,
}

impl<B: MobileVitOps> Backward<B, 3> for ScaledAttention {
    type State = AttentionState;

    fn backward(
        self,
        ops: Ops<Self::State, 3>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let [node_query, node_key, node_value] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let AttentionState {
            query,
            key,
            value,
            scale,
        } = ops.state;
        let query: FloatTensor<B> = checkpointer.retrieve_node_output(query);
        let key: FloatTensor<B> = checkpointer.retrieve_node_output(key);
        let value: FloatTensor<B> = checkpointer.retrieve_node_output(value);

        // P = softmax(Q Kᵀ · scale): [batch, heads, queries, keys]
        let scores = B::float_mul_scalar(
            B::float_matmul(query.clone(), B::float_transpose(key.clone())),
            scale.into(),
        );
        let weights = B::softmax(scores, 3);

        if let Some(node) = node_value {
            // dV = Pᵀ dO
            let grad_value = B::float_matmul(B::float_transpose(weights.clone()), grad.clone());
            grads.register::<B>(node.id, grad_value);
        }
        if node_query.is_none() && node_key.is_none() {
            return;
        }
        // dP = dO Vᵀ; dS = P ⊙ (dP − Σ_keys dP ⊙ P) · scale, the softmax's backward.
        let grad_weights = B::float_matmul(grad, B::float_transpose(value));
        let row_dot = B::float_sum_dim(B::float_mul(grad_weights.clone(), weights.clone()), 3);
        let grad_scores = B::float_mul_scalar(
            B::float_mul(weights, B::float_sub(grad_weights, row_dot)),
            scale.into(),
        );
        if let Some(node) = node_query {
            // dQ = dS K
            grads.register::<B>(node.id, B::float_matmul(grad_scores.clone(), key));
        }
        if let Some(node) = node_key {
            // dK = dSᵀ Q
            grads.register::<B>(
                node.id,
                B::float_matmul(B::float_transpose(grad_scores), query),
            );
        }
    }
}
