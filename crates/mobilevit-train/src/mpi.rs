//! [`Collective`] on MPI (the `mpi` crate, rsmpi, over the system's Open MPI or MPICH).
//!
//! Rank, size and the rank on its own machine come from MPI itself (`MPI_COMM_WORLD` and a
//! shared-memory split of it), whatever launched the processes: `mpirun`, Slurm's `srun`, the
//! Kubernetes MPI Operator. MPI is initialised once per process; the [`MpiWorld`] must live for
//! the whole run (dropping it finalises MPI).

use mpi::collective::SystemOperation;
use mpi::datatype::PartitionMut;
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, CommunicatorCollectives, Root};
use mpi::{Count, Threading};

use crate::error::TrainError;
use crate::ranks::Collective;

/// This process's place among the MPI ranks of the run.
pub struct MpiWorld {
    // Field order: the communicators are freed before the universe finalises MPI.
    world: SimpleCommunicator,
    local_rank: usize,
    _universe: Universe,
}

impl MpiWorld {
    /// Initialises MPI (serialized threading: one thread at a time makes MPI calls).
    pub fn initialize() -> Result<Self, TrainError> {
        let (universe, _) =
            mpi::initialize_with_threading(Threading::Serialized).ok_or_else(|| {
                TrainError::Ranks("MPI was already initialised in this process".into())
            })?;
        let world = universe.world();
        let local_rank = world.split_shared(world.rank()).rank() as usize;
        Ok(Self {
            world,
            local_rank,
            _universe: universe,
        })
    }
}

/// `MPI_Abort` on the world, from anywhere (a panic hook): ends every rank of the run.
pub fn abort_world(code: i32) -> ! {
    // SAFETY: MPI_Abort takes the predefined world communicator and an error code; it does
    // not return.
    unsafe {
        mpi::ffi::MPI_Abort(mpi::ffi::RSMPI_COMM_WORLD, code);
    }
    std::process::exit(code)
}

/// A buffer length as MPI counts it.
fn count(length: usize) -> Result<Count, TrainError> {
    Count::try_from(length).map_err(|_| {
        TrainError::Ranks(format!(
            "{length} elements is more than one MPI message can carry"
        ))
    })
}

impl Collective for MpiWorld {
    fn rank(&self) -> usize {
        self.world.rank() as usize
    }

    fn size(&self) -> usize {
        self.world.size() as usize
    }

    fn local_rank(&self) -> usize {
        self.local_rank
    }

    fn abort(&self, code: i32) -> ! {
        self.world.abort(code)
    }

    fn sum_f32(&self, values: &mut [f32]) -> Result<(), TrainError> {
        count(values.len())?;
        // rsmpi has no in-place all-reduce: the sum goes into a second buffer.
        let local = values.to_vec();
        self.world
            .all_reduce_into(&local[..], values, SystemOperation::sum());
        Ok(())
    }

    fn sum_f64(&self, values: &mut [f64]) -> Result<(), TrainError> {
        let local = values.to_vec();
        self.world
            .all_reduce_into(&local[..], values, SystemOperation::sum());
        Ok(())
    }

    fn broadcast(&self, bytes: &mut Vec<u8>) -> Result<(), TrainError> {
        let root = self.world.process_at_rank(0);
        let mut length = bytes.len() as u64;
        root.broadcast_into(&mut length);
        let length = usize::try_from(length)
            .map_err(|_| TrainError::Ranks(format!("rank 0 sent a length of {length}")))?;
        count(length)?;
        bytes.resize(length, 0);
        if length > 0 {
            root.broadcast_into(&mut bytes[..]);
        }
        Ok(())
    }

    fn gather(&self, bytes: &[u8]) -> Result<Vec<Vec<u8>>, TrainError> {
        let own = count(bytes.len())?;
        let mut counts = vec![0 as Count; self.size()];
        self.world.all_gather_into(&own, &mut counts[..]);
        let displacements: Vec<Count> = counts
            .iter()
            .scan(0, |offset, &length| {
                let start = *offset;
                *offset += length;
                Some(start)
            })
            .collect();
        let total: Count = counts.iter().sum();
        let mut all = vec![0u8; usize::try_from(total).unwrap_or(0)];
        {
            let mut partition = PartitionMut::new(&mut all[..], &counts[..], &displacements[..]);
            self.world.all_gather_varcount_into(bytes, &mut partition);
        }
        Ok(counts
            .iter()
            .zip(&displacements)
            .map(|(&length, &start)| all[start as usize..(start + length) as usize].to_vec())
            .collect())
    }
}
