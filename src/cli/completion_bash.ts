/**
 * nsrecipe's bash completion script. The candidates come from
 * `nsrecipe complete -- WORDS…` (`@bomb.sh/tab`, see completion.ts); this is
 * only the bash side that asks for them, written here rather than taken from
 * the library because the library's needs the `bash-completion` package
 * (`_get_comp_words_by_ref`), which minimal Debian systems and container
 * images lack, and declares `readonly` variables, so that sourcing it twice in
 * one shell fails.
 *
 * @module
 */

/**
 * The bash completion script: a function `__nsrecipe_complete` registered
 * with `complete -F` (bash(1), "Programmable Completion"). It splits the
 * command line with bash-completion's `_get_comp_words_by_ref` when that is
 * loaded (which keeps `--opt=value` and `a:b` as one word), else with bash's
 * own `COMP_WORDS`/`COMP_CWORD`; it asks `nsrecipe complete -- WORDS…` with
 * the words up to the cursor (the last one the word being completed, `''`
 * after a space), and offers the values of its `value<TAB>description` lines
 * through `compgen -W`. After `-f`/`--file` it completes file names. Sourcing
 * it again just redefines the function.
 * @param program The command's name, e.g. `nsrecipe`.
 * @returns The script's text, ending in a newline.
 */
export function bashCompletionScript(program: string): string {
  const fn = `__${program.replaceAll(/[^A-Za-z0-9_]/g, "_")}_complete`;
  return `# bash completion for ${program} (${program} completions bash); needs no other package
${fn}() {
    local cur words cword
    if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
        _get_comp_words_by_ref -n "=:" cur words cword
    else
        words=("\${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        cur=\${COMP_WORDS[COMP_CWORD]}
    fi
    local prev=\${words[cword-1]}
    if [[ $prev == -f || $prev == --file ]]; then
        compopt -o filenames 2>/dev/null
        local IFS=$'\\n'
        COMPREPLY=($(compgen -f -- "$cur"))
        return
    fi
    local out
    out=$(${program} complete -- "\${words[@]:1:cword-1}" "$cur" 2>/dev/null) || return
    local line values=()
    while IFS= read -r line; do
        [[ -z $line || $line == :* ]] && continue
        values+=("\${line%%$'\\t'*}")
    done <<<"$out"
    local IFS=$'\\n'
    COMPREPLY=($(compgen -W "\${values[*]}" -- "$cur"))
}
complete -F ${fn} ${program}
`;
}
