// What a run's recorded environment holds that is not configuration: the variables that only name
// the job or a rank's place in it (Open MPI's job id, rank, session directories, daemon URIs;
// PMIx's namespace and rank). They differ on every run and every rank, so no comparison counts them.
const JOB_SPECIFIC =
  /^(OMPI_MCA_(ess_base_jobid|ess_base_vpid|orte_hnp_uri|orte_local_daemon_uri|orte_jobfam_session_dir|orte_top_session_dir|orte_precondition_transports|orte_ess_node_rank|initial_wdir)|PMIX_(NAMESPACE|RANK|SERVER_URI\w*|SYSTEM_TMPDIR|SERVER_TMPDIR|ID|HOSTNAME|DSTORE\w*))$/;

export const jobSpecific = (name: string): boolean => JOB_SPECIFIC.test(name);
