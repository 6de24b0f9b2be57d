//! The partitions' decision states, shared by the consumer loop, its
//! batches and the catch-up that rebuilds them.

use std::collections::HashMap;

use infra::kafka::TopicPartition;

use crate::folds::PartitionState;

/// The decision state of every partition this instance has folded.
pub type States = HashMap<TopicPartition, PartitionState>;
