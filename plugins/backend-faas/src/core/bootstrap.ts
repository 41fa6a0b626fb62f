import { AGENT_ENTRYPOINT } from '@sockerless/sdk';

/**
 * The first line the script writes: the answer's stdout starts with it when the function's image ran the
 * script, so an image whose own command is not a shell is told apart (its argv would otherwise be ignored in
 * silence). It is not part of the container's output.
 */
export const BOOTSTRAP_MARKER = 'sockerless-bootstrap: starting the container';

/** `text` as one POSIX shell word. */
function shellWord(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * What an HTTP-triggered function is sent to start the container: a POSIX shell script that enters the working
 * directory (made when missing, as runc makes it), says BOOTSTRAP_MARKER and replaces the shell with the workload agent followed by the
 * container's argv. Cloud Functions and Azure Functions have no field for a function's command (the image
 * carries it), so the invocation carries it instead, and the function's image runs a shell that reads its
 * request as a script (busybox's, Debian's and Alpine's default command do).
 */
export function bootstrapScript(argv: string[], workingDir: string): string {
  const lines: string[] = [`echo ${shellWord(BOOTSTRAP_MARKER)}`];
  // 126, as runc's start fails when the working directory cannot be entered.
  if (workingDir) lines.push(`mkdir -p ${shellWord(workingDir)} 2>/dev/null; cd ${shellWord(workingDir)} || exit 126`);
  lines.push(`exec ${AGENT_ENTRYPOINT} -- ${argv.map(shellWord).join(' ')}`);
  return `${lines.join('\n')}\n`;
}
