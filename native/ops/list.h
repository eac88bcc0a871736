// Every op, one line each, in registry order: CCB_OP(Id, "name"). Op::Id and the registry's slots
// are generated from this list, and native/ops/<name>.cc defines the descriptor ops::k<Id>.
// src/ops/index.ts lists the ops in the same order (test/registry.test.ts proves it).
// No include guard: every includer defines CCB_OP first.
CCB_OP(AllReduce, "allreduce")
CCB_OP(AllGather, "allgather")
CCB_OP(ReduceScatter, "reducescatter")
CCB_OP(ReduceScatterV, "reducescatterv")
CCB_OP(Broadcast, "broadcast")
CCB_OP(Reduce, "reduce")
CCB_OP(AllToAll, "alltoall")
CCB_OP(AllToAllV, "alltoallv")
CCB_OP(Gather, "gather")
CCB_OP(Scatter, "scatter")
CCB_OP(SendRecv, "sendrecv")
CCB_OP(Latency, "latency")
CCB_OP(Bw, "bw")
CCB_OP(Bibw, "bibw")
CCB_OP(Barrier, "barrier")
