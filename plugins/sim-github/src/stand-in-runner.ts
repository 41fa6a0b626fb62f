/**
 * The stand-in for the GitHub Actions runner that tests and the bench run (the official runner cannot be
 * installed here): a busybox shell script, run as the runner container's command with the coordinator's JIT
 * config in `ACTIONS_RUNNER_INPUT_JITCONFIG` (the variable actions-runner-controller passes the real runner).
 * It decodes the simulator's JIT config (`{"url","runnerId","name","secret"}`), long-polls the simulator for
 * one job, runs the job's script with `sh -e`, reports the exit code and output, and exits: an ephemeral runner.
 * Nothing in ci-github depends on it; the real runner image is a config value.
 */
export const STAND_IN_RUNNER_SCRIPT = `set -u
cfg=$(printf '%s' "$ACTIONS_RUNNER_INPUT_JITCONFIG" | base64 -d)
field() { printf '%s' "$cfg" | sed -n "s/.*\\"$1\\":\\"\\{0,1\\}\\([^\\",}]*\\).*/\\1/p"; }
url=$(field url); id=$(field runnerId); secret=$(field secret)
work=\${TMPDIR:-/tmp}/runner; mkdir -p "$work"
auth="Authorization: RemoteAuth $secret"
while :; do
  rm -f "$work/job"
  if ! wget -q -O "$work/job" --header "$auth" "$url/_runner/$id/job?wait=20000"; then
    echo "runner $id: the simulator refused the runner (deleted, or never registered)" >&2; exit 1
  fi
  [ -s "$work/job" ] && break
done
job=$(head -n 1 "$work/job" | cut -d ' ' -f 2)
tail -n +2 "$work/job" > "$work/steps.sh"
sh -e "$work/steps.sh" > "$work/log" 2>&1; code=$?
cat "$work/log"
wget -q -O /dev/null --header "$auth" --header "X-Exit-Code: $code" --post-file "$work/log" "$url/_runner/$id/jobs/$job/complete"
exit $code
`;

/** The command of a runner container that runs the stand-in from a busybox image. */
export const STAND_IN_RUNNER_COMMAND = ['/bin/sh', '-c', STAND_IN_RUNNER_SCRIPT];
