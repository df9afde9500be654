//! How each source names its tensors: the renames to timm's names and layouts.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;

use super::readers::{SourceTensor, StateDict};
use super::source::Source;

impl Source {
    /// Tells the source from the key names, or `None`.
    pub fn detect(state: &StateDict) -> Option<Source> {
        let has = |key: &str| state.tensors.contains_key(key);
        if has("stem.conv.weight") {
            Some(Source::Timm)
        } else if has("mobilevit.conv_stem.convolution.weight")
            || has("mobilevitv2.conv_stem.convolution.weight")
        {
            Some(Source::Hf)
        } else if has("conv_1.block.conv.weight") {
            Some(Source::Cvnets)
        } else if has("conv3x3.conv.weight") || has("conv_1.conv.weight") {
            Some(Source::Paddle)
        } else {
            None
        }
    }

    /// The rename rules to timm's names, applied in order (each rule to the result of the
    /// previous ones).
    fn rules(self) -> &'static [(Regex, &'static str)] {
        static RULES: OnceLock<BTreeMap<Source, Vec<(Regex, &'static str)>>> = OnceLock::new();
        let all = RULES.get_or_init(|| {
            Source::ALL
                .into_iter()
                .map(|source| {
                    let compiled = source
                        .rule_table()
                        .iter()
                        .map(|&(pattern, replacement)| {
                            (Regex::new(pattern).expect("valid rename rule"), replacement)
                        })
                        .collect();
                    (source, compiled)
                })
                .collect()
        });
        &all[&self]
    }

    fn rule_table(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Source::Timm => &[],
            Source::Hf => HF_RULES,
            Source::Cvnets => CVNETS_RULES,
            Source::Paddle => PADDLE_RULES,
        }
    }

    /// timm's name for one of this source's tensor names.
    pub fn timm_name(self, name: &str) -> String {
        self.rules()
            .iter()
            .fold(name.to_string(), |name, (pattern, replacement)| {
                pattern.replace_all(&name, *replacement).into_owned()
            })
    }
}

/// HF transformers -> timm (the inverse of HF's `convert_mlcvnets_to_pytorch.rename_key`,
/// composed with ml-cvnets -> timm), for `MobileViT` and `MobileViTV2`. v1's query, key and
/// value are fused afterwards.
const HF_RULES: &[(&str, &str)] = &[
    (r"^mobilevitv2\.", "mobilevit."),
    (r"^mobilevit\.conv_stem\.", "stem."),
    (
        r"^mobilevit\.encoder\.layer\.(\d)\.layer\.(\d)\.",
        "stages.$1.$2.",
    ),
    (
        r"^mobilevit\.encoder\.layer\.(\d)\.downsampling_layer\.",
        "stages.$1.0.",
    ),
    (
        r"^mobilevit\.encoder\.layer\.(\d)\.conv_kxk\.",
        "stages.$1.1.conv_kxk.",
    ),
    (
        r"^mobilevit\.encoder\.layer\.(\d)\.conv_1x1\.convolution\.",
        "stages.$1.1.conv_1x1.",
    ),
    (
        r"^mobilevit\.encoder\.layer\.(\d)\.transformer\.layer\.(\d+)\.",
        "stages.$1.1.transformer.$2.",
    ),
    (
        r"^mobilevit\.encoder\.layer\.(\d)\.layernorm\.",
        "stages.$1.1.norm.",
    ),
    (
        r"^mobilevit\.encoder\.layer\.(\d)\.conv_projection\.",
        "stages.$1.1.conv_proj.",
    ),
    (
        r"^mobilevit\.encoder\.layer\.(\d)\.fusion\.",
        "stages.$1.1.conv_fusion.",
    ),
    (r"^mobilevit\.conv_1x1_exp\.", "final_conv."),
    (r"^classifier\.", "head.fc."),
    (
        r"\.attention\.(qkv_proj|out_proj)\.convolution\.",
        ".attn.$1.",
    ),
    (r"\.ffn\.conv1\.convolution\.", ".mlp.fc1."),
    (r"\.ffn\.conv2\.convolution\.", ".mlp.fc2."),
    (r"\.expand_1x1\.", ".conv1_1x1."),
    (r"\.conv_3x3\.", ".conv2_kxk."),
    (r"\.reduce_1x1\.", ".conv3_1x1."),
    (r"\.convolution\.", ".conv."),
    (r"\.normalization\.", ".bn."),
    (r"\.attention\.attention\.(query|key|value)\.", ".attn.$1."),
    (r"\.attention\.output\.dense\.", ".attn.proj."),
    (r"\.intermediate\.dense\.", ".mlp.fc1."),
    (r"\.output\.dense\.", ".mlp.fc2."),
    (r"\.layernorm_before\.", ".norm1."),
    (r"\.layernorm_after\.", ".norm2."),
];

/// ml-cvnets -> timm (spec section 3.1 and 3.2).
const CVNETS_RULES: &[(&str, &str)] = &[
    (r"^module\.", ""),
    (r"^conv_1\.", "stem."),
    (r"^layer_1\.", "stages.0."),
    (r"^layer_2\.", "stages.1."),
    (r"^layer_3\.", "stages.2."),
    (r"^layer_4\.", "stages.3."),
    (r"^layer_5\.", "stages.4."),
    (r"^conv_1x1_exp\.", "final_conv."),
    (r"^classifier\.fc\.", "head.fc."),
    (r"\.block\.exp_1x1\.", ".conv1_1x1."),
    (r"\.block\.conv_3x3\.", ".conv2_kxk."),
    (r"\.block\.red_1x1\.", ".conv3_1x1."),
    (r"\.local_rep\.conv_3x3\.", ".conv_kxk."),
    (r"\.local_rep\.conv_1x1\.block\.conv\.", ".conv_1x1."),
    (r"\.global_rep\.\d+\.(weight|bias)$", ".norm.$1"),
    (
        r"\.global_rep\.(\d+)\.pre_norm_mha\.0\.",
        ".transformer.$1.norm1.",
    ),
    (
        r"\.global_rep\.(\d+)\.pre_norm_mha\.1\.qkv_proj\.",
        ".transformer.$1.attn.qkv.",
    ),
    (
        r"\.global_rep\.(\d+)\.pre_norm_mha\.1\.out_proj\.",
        ".transformer.$1.attn.proj.",
    ),
    (
        r"\.global_rep\.(\d+)\.pre_norm_ffn\.0\.",
        ".transformer.$1.norm2.",
    ),
    (
        r"\.global_rep\.(\d+)\.pre_norm_ffn\.1\.",
        ".transformer.$1.mlp.fc1.",
    ),
    (
        r"\.global_rep\.(\d+)\.pre_norm_ffn\.4\.",
        ".transformer.$1.mlp.fc2.",
    ),
    (r"\.fusion\.", ".conv_fusion."),
    (r"(^|\.)block\.conv\.", "${1}conv."),
    (r"(^|\.)block\.norm\.", "${1}bn."),
];

/// PaddleClas -> timm (v1: spec section 3.4; v2 and v3: ml-cvnets' names without `block.`;
/// v3 has no timm names, and takes those of this crate's blocks). Linear weights are
/// transposed afterwards.
const PADDLE_RULES: &[(&str, &str)] = &[
    (r"\._mean$", ".running_mean"),
    (r"\._variance$", ".running_var"),
    (r"^conv_1\.", "stem."),
    (r"^layer_1\.", "stages.0."),
    (r"^layer_2\.", "stages.1."),
    (r"^layer_3\.", "stages.2."),
    (r"^layer_4\.", "stages.3."),
    (r"^layer_5\.", "stages.4."),
    (r"^classifier\.fc\.", "head.fc."),
    (r"^conv_1x1_exp\.", "final_conv."),
    (r"\.block\.exp_1x1\.", ".conv1_1x1."),
    (r"\.block\.conv_3x3\.", ".conv2_kxk."),
    (r"\.block\.red_1x1\.", ".conv3_1x1."),
    (r"\.local_rep\.(0|conv_3x3)\.", ".conv_kxk."),
    (
        r"\.local_rep\.(1|conv_1x1)\.conv\.weight$",
        ".conv_1x1.weight",
    ),
    (
        r"\.global_rep\.(\d+)\.pre_norm_mha\.0\.",
        ".transformer.$1.norm1.",
    ),
    (
        r"\.global_rep\.(\d+)\.pre_norm_mha\.1\.qkv_proj\.",
        ".transformer.$1.attn.qkv.",
    ),
    (
        r"\.global_rep\.(\d+)\.pre_norm_mha\.1\.out_proj\.",
        ".transformer.$1.attn.proj.",
    ),
    (r"\.fusion\.", ".conv_fusion."),
    (
        r"\.global_rep\.(\d+)\.pre_norm_attn\.0\.",
        ".transformer.$1.norm1.",
    ),
    (
        r"\.global_rep\.(\d+)\.pre_norm_attn\.1\.(qkv_proj|out_proj)\.",
        ".transformer.$1.attn.$2.",
    ),
    (
        r"\.global_rep\.(\d+)\.pre_norm_ffn\.0\.",
        ".transformer.$1.norm2.",
    ),
    (
        r"\.global_rep\.(\d+)\.pre_norm_ffn\.1\.",
        ".transformer.$1.mlp.fc1.",
    ),
    (
        r"\.global_rep\.(\d+)\.pre_norm_ffn\.4\.",
        ".transformer.$1.mlp.fc2.",
    ),
    (r"\.global_rep\.\d+\.(weight|bias)$", ".norm.$1"),
    (r"^conv3x3\.", "stem."),
    (r"^conv1x1\.", "final_conv."),
    (r"^linear\.", "head.fc."),
    (r"^mv2_block_1\.", "stages.0.0."),
    (r"^mv2_block_2\.", "stages.1.0."),
    (r"^mv2_block_3\.", "stages.1.1."),
    (r"^mv2_block_4\.", "stages.1.2."),
    (r"^mv2_block_5\.", "stages.2.0."),
    (r"^mv2_block_6\.", "stages.3.0."),
    (r"^mv2_block_7\.", "stages.4.0."),
    (r"^mvit_block_1\.", "stages.2.1."),
    (r"^mvit_block_2\.", "stages.3.1."),
    (r"^mvit_block_3\.", "stages.4.1."),
    (r"\.conv\.0\.", ".conv1_1x1."),
    (r"\.conv\.1\.", ".conv2_kxk."),
    (r"\.conv\.2\.weight$", ".conv3_1x1.conv.weight"),
    (r"\.conv\.3\.", ".conv3_1x1.bn."),
    (r"\.conv1\.", ".conv_kxk."),
    (r"\.conv2\.weight$", ".conv_1x1.weight"),
    (r"\.conv3\.", ".conv_proj."),
    (r"\.conv4\.", ".conv_fusion."),
    (r"\.transformer\.layers\.(\d+)\.", ".transformer.$1."),
    (r"\.attn_norm\.", ".norm1."),
    (r"\.mlp_norm\.", ".norm2."),
    (r"\.transformer\.norm\.", ".norm."),
    (
        r"(^stem|final_conv|conv1_1x1|conv2_kxk|conv3_1x1|conv_kxk|conv_proj|conv_fusion)\.norm\.",
        "$1.bn.",
    ),
];

/// Renames a source's tensors to timm's names and layouts: query/key/value fused (HF),
/// Linear weights transposed to `[out, in]` (PaddleClas).
pub fn to_timm(source: Source, state: StateDict) -> Result<StateDict, String> {
    let mut renamed = StateDict {
        tensors: BTreeMap::new(),
        skipped: state.skipped,
        metadata: state.metadata,
    };
    for (name, tensor) in state.tensors {
        let timm = source.timm_name(&name);
        let tensor = match source {
            Source::Paddle if tensor.shape.len() == 2 => transpose(tensor),
            _ => tensor,
        };
        if renamed.tensors.insert(timm.clone(), tensor).is_some() {
            return Err(format!(
                "two tensors map to '{timm}' (the second is '{name}')"
            ));
        }
    }
    if source == Source::Hf {
        fuse_qkv(&mut renamed.tensors)?;
    }
    Ok(renamed)
}

fn transpose(tensor: SourceTensor) -> SourceTensor {
    let [rows, cols] = [tensor.shape[0], tensor.shape[1]];
    let mut values = vec![0.0; tensor.values.len()];
    for row in 0..rows {
        for col in 0..cols {
            values[col * rows + row] = tensor.values[row * cols + col];
        }
    }
    SourceTensor {
        shape: vec![cols, rows],
        values,
    }
}

/// `X.attn.{query,key,value}.{weight,bias}` -> `X.attn.qkv.{weight,bias}`, concatenated
/// along the output dimension in the order q, k, v.
fn fuse_qkv(tensors: &mut BTreeMap<String, SourceTensor>) -> Result<(), String> {
    let queries: Vec<String> = tensors
        .keys()
        .filter(|name| name.contains(".attn.query."))
        .cloned()
        .collect();
    for query in queries {
        let parts = ["query", "key", "value"]
            .map(|part| query.replace(".attn.query.", &format!(".attn.{part}.")));
        let mut fused = SourceTensor {
            shape: Vec::new(),
            values: Vec::new(),
        };
        for part in &parts {
            let tensor = tensors
                .remove(part)
                .ok_or_else(|| format!("'{query}' has no matching '{part}'"))?;
            fused.values.extend(tensor.values);
            fused.shape = match fused.shape.first() {
                Some(&rows) => [vec![rows + tensor.shape[0]], tensor.shape[1..].to_vec()].concat(),
                None => tensor.shape,
            };
        }
        tensors.insert(query.replace(".attn.query.", ".attn.qkv."), fused);
    }
    if let Some(orphan) = tensors
        .keys()
        .find(|name| name.contains(".attn.key.") || name.contains(".attn.value."))
    {
        return Err(format!("'{orphan}' has no matching query"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hf_names_map_to_timm() {
        let cases = [
            ("mobilevit.conv_stem.convolution.weight", "stem.conv.weight"),
            (
                "mobilevit.conv_stem.normalization.running_var",
                "stem.bn.running_var",
            ),
            (
                "mobilevit.encoder.layer.1.layer.2.reduce_1x1.normalization.bias",
                "stages.1.2.conv3_1x1.bn.bias",
            ),
            (
                "mobilevit.encoder.layer.3.downsampling_layer.conv_3x3.convolution.weight",
                "stages.3.0.conv2_kxk.conv.weight",
            ),
            (
                "mobilevit.encoder.layer.2.conv_1x1.convolution.weight",
                "stages.2.1.conv_1x1.weight",
            ),
            (
                "mobilevit.encoder.layer.4.transformer.layer.2.attention.attention.key.bias",
                "stages.4.1.transformer.2.attn.key.bias",
            ),
            (
                "mobilevit.encoder.layer.4.transformer.layer.2.attention.output.dense.weight",
                "stages.4.1.transformer.2.attn.proj.weight",
            ),
            (
                "mobilevit.encoder.layer.2.transformer.layer.0.output.dense.weight",
                "stages.2.1.transformer.0.mlp.fc2.weight",
            ),
            (
                "mobilevit.encoder.layer.3.layernorm.weight",
                "stages.3.1.norm.weight",
            ),
            (
                "mobilevit.encoder.layer.3.fusion.normalization.weight",
                "stages.3.1.conv_fusion.bn.weight",
            ),
            (
                "mobilevit.conv_1x1_exp.convolution.weight",
                "final_conv.conv.weight",
            ),
            ("classifier.bias", "head.fc.bias"),
        ];
        for (hf, timm) in cases {
            assert_eq!(Source::Hf.timm_name(hf), timm, "{hf}");
        }
    }

    #[test]
    fn hf_v2_names_map_to_timm() {
        let cases = [
            (
                "mobilevitv2.conv_stem.normalization.running_mean",
                "stem.bn.running_mean",
            ),
            (
                "mobilevitv2.encoder.layer.2.downsampling_layer.expand_1x1.convolution.weight",
                "stages.2.0.conv1_1x1.conv.weight",
            ),
            (
                "mobilevitv2.encoder.layer.3.transformer.layer.1.attention.qkv_proj.convolution.bias",
                "stages.3.1.transformer.1.attn.qkv_proj.bias",
            ),
            (
                "mobilevitv2.encoder.layer.4.transformer.layer.2.ffn.conv2.convolution.weight",
                "stages.4.1.transformer.2.mlp.fc2.weight",
            ),
            (
                "mobilevitv2.encoder.layer.2.transformer.layer.0.layernorm_before.weight",
                "stages.2.1.transformer.0.norm1.weight",
            ),
            (
                "mobilevitv2.encoder.layer.4.layernorm.bias",
                "stages.4.1.norm.bias",
            ),
            (
                "mobilevitv2.encoder.layer.3.conv_projection.normalization.weight",
                "stages.3.1.conv_proj.bn.weight",
            ),
            ("classifier.weight", "head.fc.weight"),
        ];
        for (hf, timm) in cases {
            assert_eq!(Source::Hf.timm_name(hf), timm, "{hf}");
        }
    }

    #[test]
    fn paddle_v2_names_map_to_timm() {
        let cases = [
            ("conv_1.norm._variance", "stem.bn.running_var"),
            (
                "layer_2.1.block.red_1x1.norm.weight",
                "stages.1.1.conv3_1x1.bn.weight",
            ),
            (
                "layer_3.1.local_rep.0.norm._mean",
                "stages.2.1.conv_kxk.bn.running_mean",
            ),
            (
                "layer_3.1.local_rep.1.conv.weight",
                "stages.2.1.conv_1x1.weight",
            ),
            (
                "layer_4.1.global_rep.3.pre_norm_attn.1.qkv_proj.weight",
                "stages.3.1.transformer.3.attn.qkv_proj.weight",
            ),
            (
                "layer_5.1.global_rep.2.pre_norm_ffn.4.bias",
                "stages.4.1.transformer.2.mlp.fc2.bias",
            ),
            ("layer_5.1.global_rep.3.weight", "stages.4.1.norm.weight"),
            (
                "layer_3.1.conv_proj.norm.bias",
                "stages.2.1.conv_proj.bn.bias",
            ),
            ("classifier.fc.weight", "head.fc.weight"),
        ];
        for (paddle, timm) in cases {
            assert_eq!(Source::Paddle.timm_name(paddle), timm, "{paddle}");
        }
    }

    #[test]
    fn cvnets_names_map_to_timm() {
        let cases = [
            ("conv_1.block.norm.running_mean", "stem.bn.running_mean"),
            (
                "layer_1.0.block.exp_1x1.block.conv.weight",
                "stages.0.0.conv1_1x1.conv.weight",
            ),
            (
                "layer_4.1.local_rep.conv_3x3.block.norm.weight",
                "stages.3.1.conv_kxk.bn.weight",
            ),
            (
                "layer_4.1.local_rep.conv_1x1.block.conv.weight",
                "stages.3.1.conv_1x1.weight",
            ),
            ("layer_4.1.global_rep.4.weight", "stages.3.1.norm.weight"),
            (
                "layer_4.1.global_rep.3.pre_norm_mha.1.qkv_proj.bias",
                "stages.3.1.transformer.3.attn.qkv.bias",
            ),
            (
                "layer_5.1.global_rep.0.pre_norm_ffn.4.weight",
                "stages.4.1.transformer.0.mlp.fc2.weight",
            ),
            (
                "layer_3.1.fusion.block.conv.weight",
                "stages.2.1.conv_fusion.conv.weight",
            ),
            (
                "layer_3.1.conv_proj.block.norm.bias",
                "stages.2.1.conv_proj.bn.bias",
            ),
            ("conv_1x1_exp.block.conv.weight", "final_conv.conv.weight"),
            ("classifier.fc.weight", "head.fc.weight"),
            ("module.conv_1.block.conv.weight", "stem.conv.weight"),
        ];
        for (cvnets, timm) in cases {
            assert_eq!(Source::Cvnets.timm_name(cvnets), timm, "{cvnets}");
        }
    }

    #[test]
    fn paddle_names_map_to_timm() {
        let cases = [
            ("conv3x3.norm._mean", "stem.bn.running_mean"),
            (
                "mv2_block_3.conv.1.conv.weight",
                "stages.1.1.conv2_kxk.conv.weight",
            ),
            (
                "mv2_block_5.conv.2.weight",
                "stages.2.0.conv3_1x1.conv.weight",
            ),
            (
                "mv2_block_7.conv.3._variance",
                "stages.4.0.conv3_1x1.bn.running_var",
            ),
            (
                "mvit_block_1.conv1.norm.weight",
                "stages.2.1.conv_kxk.bn.weight",
            ),
            ("mvit_block_2.conv2.weight", "stages.3.1.conv_1x1.weight"),
            (
                "mvit_block_2.transformer.layers.3.attn_norm.bias",
                "stages.3.1.transformer.3.norm1.bias",
            ),
            (
                "mvit_block_3.transformer.layers.1.attn.qkv.weight",
                "stages.4.1.transformer.1.attn.qkv.weight",
            ),
            (
                "mvit_block_3.transformer.norm.weight",
                "stages.4.1.norm.weight",
            ),
            (
                "mvit_block_3.conv3.norm.bias",
                "stages.4.1.conv_proj.bn.bias",
            ),
            (
                "mvit_block_1.conv4.conv.weight",
                "stages.2.1.conv_fusion.conv.weight",
            ),
            ("conv1x1.norm.weight", "final_conv.bn.weight"),
            ("linear.weight", "head.fc.weight"),
        ];
        for (paddle, timm) in cases {
            assert_eq!(Source::Paddle.timm_name(paddle), timm, "{paddle}");
        }
    }

    #[test]
    fn query_key_value_fuse_in_order() {
        let part = |value: f32| SourceTensor {
            shape: vec![2, 3],
            values: vec![value; 6],
        };
        let mut tensors = BTreeMap::from([
            ("a.attn.query.weight".to_string(), part(1.0)),
            ("a.attn.key.weight".to_string(), part(2.0)),
            ("a.attn.value.weight".to_string(), part(3.0)),
        ]);
        fuse_qkv(&mut tensors).unwrap();
        let fused = &tensors["a.attn.qkv.weight"];
        assert_eq!(fused.shape, [6, 3]);
        assert_eq!(fused.values[..6], [1.0; 6]);
        assert_eq!(fused.values[12..], [3.0; 6]);
        let mut orphan = BTreeMap::from([("a.attn.key.weight".to_string(), part(2.0))]);
        assert!(fuse_qkv(&mut orphan).is_err());
    }

    #[test]
    fn paddle_linear_weights_are_transposed() {
        let tensor = SourceTensor {
            shape: vec![2, 3],
            values: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        };
        let back = transpose(tensor);
        assert_eq!(back.shape, [3, 2]);
        assert_eq!(back.values, [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    }
}
