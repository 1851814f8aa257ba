import type { Command } from "commander";
import { InvalidInputError } from "../core/errors.js";

/** Subcommands and their long flags, read from the program so the script never lags behind the CLI. */
function commandTable(program: Command): { name: string; flags: string[] }[] {
  const flagsOf = (c: Command) =>
    c.options.flatMap((o) => [o.long, o.short]).filter((f): f is string => f !== undefined);
  return program.commands.map((c) => ({ name: c.name(), flags: [...flagsOf(c), "--help"] }));
}

/** A bash completion script (zsh loads it through bashcompinit). */
function bashScript(program: Command, name: string): string {
  const table = commandTable(program);
  const fn = `_${name.replace(/\W/g, "_")}_complete`;
  const cases = table.map((c) => `    ${c.name}) opts="${c.flags.join(" ")}" ;;`).join("\n");
  return `${fn}() {
  local cur cmd opts
  cur="\${COMP_WORDS[COMP_CWORD]}"
  cmd="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${table.map((c) => c.name).join(" ")} --help --version" -- "$cur") )
    return 0
  fi
  case "$cmd" in
${cases}
    *) opts="" ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
  return 0
}
complete -o filenames -F ${fn} ${name}
`;
}

export function completionScript(program: Command, shell: string): string {
  const name = program.name();
  if (shell === "bash") return bashScript(program, name);
  if (shell === "zsh")
    return `autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n${bashScript(program, name)}`;
  throw new InvalidInputError(`completion supports bash and zsh, got ${JSON.stringify(shell)}`);
}

export function registerCompletionCommand(program: Command): void {
  program
    .command("completion")
    .description('print a shell completion script: eval "$(rerankers completion bash)" (or zsh)')
    .argument("[shell]", "bash or zsh", "bash")
    .action((shell: string) => {
      process.stdout.write(completionScript(program, shell));
    });
}
