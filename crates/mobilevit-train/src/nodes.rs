//! Training across machines: one launch per node, gradients summed over TCP.
//!
//! Every node runs the same config with its own `Global.node_rank`; node 0 listens on
//! `Global.master_addr` and the others connect to it. At the start node 0 sends its weights to
//! the others (so every node starts from the same model, whatever each initialised or loaded)
//! and checks that all of them resume from the same step. After the micro-batches of each
//! optimizer step, every node sends its summed gradients with its step's tally (losses,
//! images, whether it was asked to stop) to node 0, which adds them in node order and sends
//! the total back; every node then takes the same optimizer step.
//!
//! Written by hand, as the one piece a library should provide: Burn 0.22's
//! `DistributedContext` joins the devices of one process, and `burn-collective`, which had a
//! multi-node mode, stops at Burn 0.21. A star around node 0 is simple and fine for a few
//! nodes; a ring all-reduce would scale further.

use std::io::{BufReader, BufWriter, Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Tensor, TensorData};
use mobilevit::MobileVit;
use mobilevit::model::is_running_statistic;

use crate::error::TrainError;

/// Where a node stands in the group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NodeSettings {
    /// Nodes in the group.
    pub count: usize,
    /// This node's rank, `0..count`.
    pub rank: usize,
    /// Devices on every node.
    pub local_devices: usize,
}

/// What a node reports after the micro-batches of an optimizer step; summed over the nodes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StepTally {
    /// Sum of the micro-batch losses.
    pub loss_sum: f64,
    /// Micro-batches with a loss.
    pub losses: usize,
    /// Images trained on.
    pub images: usize,
    /// Whether some node was asked to stop.
    pub stop: bool,
}

impl StepTally {
    fn to_scalars(self) -> [f64; 4] {
        [
            self.loss_sum,
            self.losses as f64,
            self.images as f64,
            f64::from(u8::from(self.stop)),
        ]
    }

    fn from_scalars(values: &[f64]) -> Self {
        let get = |index: usize| values.get(index).copied().unwrap_or(0.0);
        Self {
            loss_sum: get(0),
            losses: get(1) as usize,
            images: get(2) as usize,
            stop: get(3) != 0.0,
        }
    }
}

/// Two tallies together: sums, and a stop if either asks for one.
impl std::ops::Add for StepTally {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self {
            loss_sum: self.loss_sum + other.loss_sum,
            losses: self.losses + other.losses,
            images: self.images + other.images,
            stop: self.stop || other.stop,
        }
    }
}

/// Where the run is, as every node must agree on it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    /// Completed epochs.
    pub epoch: usize,
    /// Micro-batches done in the current epoch.
    pub batches_done: usize,
    /// Optimizer steps taken.
    pub global_step: usize,
}

type Connection = (BufReader<TcpStream>, BufWriter<TcpStream>);

enum Links {
    /// Node 0: one connection per other node, in rank order.
    Hub(Vec<Connection>),
    /// Another node: its connection to node 0.
    Member(Connection),
}

/// This node's links to the others.
pub struct NodeGroup {
    settings: NodeSettings,
    links: Links,
}

/// Frame kinds.
const DATA: u8 = 0;
const REFUSAL: u8 = 1;

impl NodeGroup {
    /// Joins the group: node 0 waits up to `timeout` for every other node, the others
    /// retry connecting for as long.
    pub fn join(
        settings: NodeSettings,
        master: &str,
        timeout: Duration,
        position: Position,
    ) -> Result<Self, TrainError> {
        if settings.rank >= settings.count {
            return Err(TrainError::Config(format!(
                "Global.node_rank: {} is not below Global.nodes ({})",
                settings.rank, settings.count
            )));
        }
        let hello = hello(settings, position);
        let links = if settings.rank == 0 {
            Links::Hub(accept_nodes(settings, master, timeout, &hello)?)
        } else {
            Links::Member(connect_to_hub(master, timeout, &hello)?)
        };
        Ok(Self { settings, links })
    }

    /// Nodes in the group.
    pub fn settings(&self) -> NodeSettings {
        self.settings
    }

    /// Gives every node node 0's weights and BatchNorm statistics.
    pub fn share_weights(&mut self, model: MobileVit) -> Result<MobileVit, TrainError> {
        match &mut self.links {
            Links::Hub(connections) => {
                let values = model_values(&model, true);
                for (index, (_, writer)) in connections.iter_mut().enumerate() {
                    write_frame(writer, &[], &values).map_err(|error| lost(index + 1, error))?;
                }
                Ok(model)
            }
            Links::Member((reader, _)) => {
                let (_, values) = read_frame(reader).map_err(|error| lost(0, error))?;
                load_weights(model, &values)
            }
        }
    }

    /// Sums `grads` (keyed by `model`'s parameters; only those of `only` when the step
    /// updates only some) and `tally` over the nodes; every node gets the same total.
    pub fn all_reduce(
        &mut self,
        model: &MobileVit,
        grads: GradientsParams,
        only: Option<&[ParamId]>,
        tally: StepTally,
    ) -> Result<(GradientsParams, StepTally), TrainError> {
        let mut values = flatten_gradients(model, &grads, only);
        let mut total = tally;
        match &mut self.links {
            Links::Hub(connections) => {
                for (index, (reader, _)) in connections.iter_mut().enumerate() {
                    let node = index + 1;
                    let (scalars, theirs) =
                        read_frame(reader).map_err(|error| lost(node, error))?;
                    if theirs.len() != values.len() {
                        return Err(TrainError::Node(format!(
                            "node {node} sent {} gradient values, node 0 has {}",
                            theirs.len(),
                            values.len()
                        )));
                    }
                    values
                        .iter_mut()
                        .zip(&theirs)
                        .for_each(|(sum, v)| *sum += v);
                    total = total + StepTally::from_scalars(&scalars);
                }
                for (index, (_, writer)) in connections.iter_mut().enumerate() {
                    write_frame(writer, &total.to_scalars(), &values)
                        .map_err(|error| lost(index + 1, error))?;
                }
            }
            Links::Member((reader, writer)) => {
                write_frame(writer, &tally.to_scalars(), &values)
                    .map_err(|error| lost(0, error))?;
                let (scalars, summed) = read_frame(reader).map_err(|error| lost(0, error))?;
                if summed.len() != values.len() {
                    return Err(TrainError::Node(format!(
                        "node 0 sent {} gradient values, this node has {}",
                        summed.len(),
                        values.len()
                    )));
                }
                values = summed;
                total = StepTally::from_scalars(&scalars);
            }
        }
        Ok((unflatten_gradients(model, &values, only), total))
    }
}

fn lost(node: usize, error: std::io::Error) -> TrainError {
    TrainError::Node(format!("lost the connection to node {node}: {error}"))
}

/// The first frame a node sends: who it is and where it resumes.
fn hello(settings: NodeSettings, position: Position) -> [f64; 6] {
    [
        settings.rank as f64,
        settings.count as f64,
        settings.local_devices as f64,
        position.epoch as f64,
        position.batches_done as f64,
        position.global_step as f64,
    ]
}

fn accept_nodes(
    settings: NodeSettings,
    master: &str,
    timeout: Duration,
    own: &[f64; 6],
) -> Result<Vec<Connection>, TrainError> {
    let listener = TcpListener::bind(master).map_err(|error| {
        TrainError::Node(format!(
            "node 0 cannot listen on Global.master_addr {master}: {error}"
        ))
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|error| TrainError::Node(format!("{master}: {error}")))?;
    let deadline = Instant::now() + timeout;
    let mut slots: Vec<Option<Connection>> = (1..settings.count).map(|_| None).collect();
    while slots.iter().any(Option::is_none) {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() > deadline {
                    let missing: Vec<String> = slots
                        .iter()
                        .enumerate()
                        .filter(|(_, slot)| slot.is_none())
                        .map(|(index, _)| (index + 1).to_string())
                        .collect();
                    return Err(TrainError::Node(format!(
                        "node(s) {} did not connect to {master} within {} s",
                        missing.join(", "),
                        timeout.as_secs()
                    )));
                }
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            Err(error) => return Err(TrainError::Node(format!("{master}: {error}"))),
        };
        let (mut reader, mut writer) = connection(stream)?;
        let (theirs, _) = read_frame(&mut reader)
            .map_err(|error| TrainError::Node(format!("a node's greeting: {error}")))?;
        let rank = theirs.first().copied().unwrap_or(-1.0) as usize;
        let problem = greeting_problem(own, &theirs, &slots);
        if let Some(problem) = problem {
            let _ = write_refusal(&mut writer, &problem);
            return Err(TrainError::Node(problem));
        }
        write_frame(&mut writer, &[], &[]).map_err(|error| lost(rank, error))?;
        slots[rank - 1] = Some((reader, writer));
    }
    Ok(slots.into_iter().flatten().collect())
}

/// Why node 0 refuses a greeting, if it does.
fn greeting_problem(
    own: &[f64; 6],
    theirs: &[f64],
    slots: &[Option<Connection>],
) -> Option<String> {
    if theirs.len() != own.len() {
        return Some("a node sent a malformed greeting".into());
    }
    let rank = theirs[0] as usize;
    let what = [
        "rank",
        "Global.nodes",
        "devices per node",
        "epoch",
        "micro-batch",
        "step",
    ];
    if rank == 0 || rank > slots.len() {
        return Some(format!(
            "a node claims rank {rank}, outside 1..{}",
            slots.len()
        ));
    }
    if slots[rank - 1].is_some() {
        return Some(format!("two nodes claim rank {rank}"));
    }
    (1..own.len()).find(|&i| own[i] != theirs[i]).map(|i| {
        format!(
            "node {rank} has {} {} where node 0 has {}: every node must run the same config \
             (and resume from the same checkpoint)",
            what[i], theirs[i], own[i]
        )
    })
}

fn connect_to_hub(
    master: &str,
    timeout: Duration,
    own: &[f64; 6],
) -> Result<Connection, TrainError> {
    let deadline = Instant::now() + timeout;
    let stream = loop {
        let attempt = master
            .to_socket_addrs()
            .map_err(|error| TrainError::Node(format!("Global.master_addr {master}: {error}")))?
            .find_map(|address| TcpStream::connect_timeout(&address, Duration::from_secs(5)).ok());
        match attempt {
            Some(stream) => break stream,
            None if Instant::now() > deadline => {
                return Err(TrainError::Node(format!(
                    "node 0 did not answer at {master} within {} s",
                    timeout.as_secs()
                )));
            }
            None => std::thread::sleep(Duration::from_millis(200)),
        }
    };
    let (mut reader, mut writer) = connection(stream)?;
    write_frame(&mut writer, own, &[]).map_err(|error| lost(0, error))?;
    read_frame(&mut reader).map_err(|error| lost(0, error))?;
    Ok((reader, writer))
}

fn connection(stream: TcpStream) -> Result<Connection, TrainError> {
    let setup = || -> std::io::Result<Connection> {
        stream.set_nonblocking(false)?;
        stream.set_nodelay(true)?;
        Ok((BufReader::new(stream.try_clone()?), BufWriter::new(stream)))
    };
    setup().map_err(|error| TrainError::Node(format!("setting up a node connection: {error}")))
}

/// A frame: kind byte, scalar count, value count (u64 little endian), the scalars (f64), the
/// values (f32). A refusal carries UTF-8 text instead.
fn write_frame(writer: &mut impl Write, scalars: &[f64], values: &[f32]) -> std::io::Result<()> {
    writer.write_all(&[DATA])?;
    writer.write_all(&(scalars.len() as u64).to_le_bytes())?;
    writer.write_all(&(values.len() as u64).to_le_bytes())?;
    for scalar in scalars {
        writer.write_all(&scalar.to_le_bytes())?;
    }
    let mut bytes = Vec::with_capacity(values.len() * 4);
    values
        .iter()
        .for_each(|v| bytes.extend_from_slice(&v.to_le_bytes()));
    writer.write_all(&bytes)?;
    writer.flush()
}

fn write_refusal(writer: &mut impl Write, reason: &str) -> std::io::Result<()> {
    writer.write_all(&[REFUSAL])?;
    writer.write_all(&(reason.len() as u64).to_le_bytes())?;
    writer.write_all(reason.as_bytes())?;
    writer.flush()
}

fn read_frame(reader: &mut impl Read) -> std::io::Result<(Vec<f64>, Vec<f32>)> {
    let mut kind = [0u8; 1];
    reader.read_exact(&mut kind)?;
    let mut count = || -> std::io::Result<usize> {
        let mut word = [0u8; 8];
        reader.read_exact(&mut word)?;
        Ok(u64::from_le_bytes(word) as usize)
    };
    if kind[0] == REFUSAL {
        let length = count()?;
        let mut text = vec![0u8; length.min(1 << 16)];
        reader.read_exact(&mut text)?;
        let reason = String::from_utf8_lossy(&text).into_owned();
        return Err(std::io::Error::other(format!(
            "node 0 refused this node: {reason}"
        )));
    }
    let (scalars, values) = (count()?, count()?);
    let mut bytes = vec![0u8; scalars * 8];
    reader.read_exact(&mut bytes)?;
    let scalars = bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect();
    let mut bytes = vec![0u8; values * 4];
    reader.read_exact(&mut bytes)?;
    let values = bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
        .collect();
    Ok((scalars, values))
}

fn tensor_values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor
        .into_data()
        .convert::<f32>()
        .try_into_vec()
        .unwrap_or_default()
}

/// The model's values in module order: its parameters and, with `statistics`, its BatchNorm
/// running statistics.
pub fn model_values(model: &MobileVit, statistics: bool) -> Vec<f32> {
    struct Flatten {
        statistics: bool,
        field: Vec<String>,
        values: Vec<f32>,
    }
    impl ModuleVisitor for Flatten {
        fn enter_module(&mut self, name: &str, _: &str) {
            self.field.push(name.to_string());
        }
        fn exit_module(&mut self, _: &str, _: &str) {
            self.field.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let statistic = self
                .field
                .last()
                .is_some_and(|field| is_running_statistic(field));
            if self.statistics || !statistic {
                self.values.extend(tensor_values(param.val()));
            }
        }
    }
    let mut flatten = Flatten {
        statistics,
        field: Vec::new(),
        values: Vec::new(),
    };
    model.visit(&mut flatten);
    flatten.values
}

/// `model` with the values [`model_values`] gave (statistics included), in the same order.
fn load_weights(model: MobileVit, values: &[f32]) -> Result<MobileVit, TrainError> {
    struct Load<'a> {
        values: &'a [f32],
        offset: usize,
        short: bool,
    }
    impl ModuleMapper for Load<'_> {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            param.map(|tensor| {
                let shape = tensor.shape();
                let count = shape.num_elements();
                let Some(slice) = self.values.get(self.offset..self.offset + count) else {
                    self.short = true;
                    return tensor;
                };
                self.offset += count;
                let loaded =
                    Tensor::from_data(TensorData::new(slice.to_vec(), shape), &tensor.device());
                if tensor.is_require_grad() {
                    loaded.require_grad()
                } else {
                    loaded
                }
            })
        }
    }
    let mut load = Load {
        values,
        offset: 0,
        short: false,
    };
    let model = model.map(&mut load);
    if load.short || load.offset != values.len() {
        return Err(TrainError::Node(format!(
            "node 0 sent {} weight values, this node's model has a different size",
            values.len()
        )));
    }
    Ok(model)
}

/// Whether `param` takes part in the step: a trainable parameter (not a BatchNorm
/// statistic), and one of `only` when the step updates only some.
fn in_step<const D: usize>(param: &Param<Tensor<D>>, only: Option<&[ParamId]>) -> bool {
    param.is_require_grad() && only.is_none_or(|ids| ids.contains(&param.id))
}

/// The gradient of every parameter in the step, in module order; zeros where this node has
/// none (all of its micro-batches were unreadable), so that every node sends the same layout.
fn flatten_gradients(
    model: &MobileVit,
    grads: &GradientsParams,
    only: Option<&[ParamId]>,
) -> Vec<f32> {
    struct Flatten<'a> {
        grads: &'a GradientsParams,
        only: Option<&'a [ParamId]>,
        values: Vec<f32>,
    }
    impl ModuleVisitor for Flatten<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if !in_step(param, self.only) {
                return;
            }
            match self.grads.get::<D>(param.id) {
                Some(grad) => self.values.extend(tensor_values(grad)),
                None => {
                    let count = param.shape().num_elements();
                    self.values.extend(std::iter::repeat_n(0.0, count));
                }
            }
        }
    }
    let mut flatten = Flatten {
        grads,
        only,
        values: Vec::new(),
    };
    model.visit(&mut flatten);
    flatten.values
}

/// The gradients [`flatten_gradients`] laid out, on `model`'s devices.
fn unflatten_gradients(
    model: &MobileVit,
    values: &[f32],
    only: Option<&[ParamId]>,
) -> GradientsParams {
    struct Unflatten<'a> {
        grads: GradientsParams,
        only: Option<&'a [ParamId]>,
        values: &'a [f32],
        offset: usize,
    }
    impl ModuleVisitor for Unflatten<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if !in_step(param, self.only) {
                return;
            }
            let shape = param.shape();
            let count = shape.num_elements();
            let slice = &self.values[self.offset..self.offset + count];
            self.offset += count;
            let device = param.val().device();
            let summed = Tensor::from_data(TensorData::new(slice.to_vec(), shape), &device);
            self.grads.register::<D>(param.id, summed);
        }
    }
    let mut unflatten = Unflatten {
        grads: GradientsParams::new(),
        only,
        values,
        offset: 0,
    };
    model.visit(&mut unflatten);
    unflatten.grads
}
