// Preloaded into web and worker by scripts/run.ts (`node --import`). They run in their own process
// groups, so if the launcher is killed outright (SIGKILL, OOM) nothing would signal them: when this
// process is re-parented, it sends itself SIGTERM and stops the way it always does.
const launcher = process.ppid;
const timer = setInterval(() => {
  if (process.ppid !== launcher) {
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }
}, 1_000);
timer.unref();
