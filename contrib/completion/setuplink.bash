# setuplink.bash: bash completion for setuplink(1).  Commands and options
# are read from the program's own -h (its command table), so they cannot
# drift from it; draft and link ids, connector keys and a draft's field
# keys (draft set ID KEY=) from its lists in
# the home the line names (--home DIR, else $SETUPLINK_HOME).
# Installed by make install as PREFIX/share/bash-completion/completions/
# setuplink; or source it from ~/.bashrc.

# The program and --home as the line gives them.
_setuplink_run() {
	local sl=${COMP_WORDS[0]}
	[[ $sl == */* || -z $sl ]] || sl=$(type -P "$sl") || sl=setuplink
	if [[ -n $_setuplink_home ]]; then
		"$sl" --home "$_setuplink_home" "$@" 2>/dev/null </dev/null
	else
		"$sl" "$@" 2>/dev/null </dev/null
	fi
}

# Values of a kind: drafts, links, connectors, quarantine (the first
# column of each table, past its header line).
_setuplink_ids() {
	case $1 in
	draft)		_setuplink_run draft list ;;
	link)		_setuplink_run link list ;;
	connector)	_setuplink_run connectors ;;
	quarantine)	_setuplink_run quarantine list ;;
	*)		return ;;
	esac | awk 'NR > 1 && $1 ~ /^[A-Za-z0-9_.-]+$/ { print $1 }'
}

# The kind of value an argument or option named NAME takes in COMMAND.
_setuplink_kind() {	# COMMAND NAME
	case $2 in
	DRAFT_ID)		echo draft ;;
	LINK_ID)		echo link ;;
	CONNECTOR)		echo connector ;;
	KEY)	[[ $1 == connector* ]] && echo connector ;;
	ID)	case $1 in
		draft*|link\ list)	echo draft ;;
		link*)			echo link ;;
		quarantine*)		echo quarantine ;;
		esac ;;
	FILE|DIR|FILE*)		echo file ;;
	*'|'*)			echo choice ;;
	esac
}

# COMMAND -h's option lines ("  -v, --verbose", "  --to ADDRESS  help"),
# each as "--name ARG" (ARG empty for a switch).
_setuplink_options() {
	local line forms
	_setuplink_run $1 -h | while IFS= read -r line; do
		[[ $line == '  -'* ]] || continue
		forms=${line#  }
		forms=${forms%%  *}
		forms=${forms#-?, }
		echo "$forms"
	done
}

_setuplink() {
	local cur=${COMP_WORDS[COMP_CWORD]} i w cmd= first= argn=0
	local _setuplink_home= prev_opt= opts line arg kind
	local -a words=() cmds=()

	# The words before the cursor: options (and their values) apart.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w == --home ]]; then
			_setuplink_home=${COMP_WORDS[i + 1]}
			((i++))
		elif [[ $w == -* ]]; then
			:
		else
			words+=("$w")
		fi
	done
	mapfile -t cmds < <(_setuplink_run -h |
	    sed -n 's/^  \([a-z][a-z ]*[a-z]\)  .*/\1/p')
	# The command: two words if the table has them, else one.
	if ((${#words[@]} >= 2)) && printf '%s\n' "${cmds[@]}" |
	    grep -qx -- "${words[0]} ${words[1]}"; then
		cmd="${words[0]} ${words[1]}"
		argn=$((${#words[@]} - 2))
	elif ((${#words[@]} >= 1)) && printf '%s\n' "${cmds[@]}" |
	    grep -qx -- "${words[0]}"; then
		cmd=${words[0]}
		argn=$((${#words[@]} - 1))
	fi
	if [[ -z $cmd ]]; then
		if ((${#words[@]} == 0)); then
			if [[ $cur == -* ]]; then
				COMPREPLY=($(compgen -W '--home --help --version' -- "$cur"))
			else
				COMPREPLY=($(compgen -W "$(printf '%s\n' "${cmds[@]}" |
				    cut -d' ' -f1 | sort -u)" -- "$cur"))
			fi
		elif ((${#words[@]} == 1)); then
			first=${words[0]}
			COMPREPLY=($(compgen -W "$(printf '%s\n' "${cmds[@]}" |
			    sed -n "s/^$first \\([a-z]*\\)\$/\\1/p")" -- "$cur"))
		fi
		return
	fi

	opts=$(_setuplink_options "$cmd")
	# The value of an option that takes one.
	prev_opt=${COMP_WORDS[COMP_CWORD - 1]}
	if [[ $prev_opt == --home ]]; then
		COMPREPLY=($(compgen -d -- "$cur"))
		return
	fi
	if [[ $prev_opt == -* ]]; then
		while IFS= read -r line; do
			[[ ${line%% *} == "$prev_opt" && $line == *' '* ]] || continue
			arg=${line#* }
			kind=$(_setuplink_kind "$cmd" "$arg")
			case $kind in
			choice)	COMPREPLY=($(compgen -W "${arg//|/ }" -- "$cur")) ;;
			file)	COMPREPLY=($(compgen -f -- "$cur")) ;;
			'')	COMPREPLY=() ;;
			*)	COMPREPLY=($(compgen -W "$(_setuplink_ids "$kind")" \
				    -- "$cur")) ;;
			esac
			return
		done <<<"$opts"
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(printf '%s\n' "$opts" |
		    cut -d" " -f1)" -- "$cur"))
		return
	fi
	# draft set ID KEY=...: the keys of the draft's fields.
	if [[ $cmd == "draft set" ]] && ((argn >= 1)); then
		compopt -o nospace 2>/dev/null
		COMPREPLY=($(compgen -W "$(_setuplink_run draft show "${words[2]}" |
		    awk '/^  [a-z_0-9]+ / { print $1 "=" }')" -- "$cur"))
		return
	fi
	# A positional argument: its name from the usage line, the last one
	# repeating ("KEY=VALUE...").
	local -a names=()
	line=$(_setuplink_run $cmd -h | sed -n '1s/^usage: setuplink //p')
	line=${line#"$cmd"}
	for w in $line; do
		[[ $w == [\[-]* ]] && break
		names+=("$w")
	done
	((${#names[@]} == 0)) && return
	((argn >= ${#names[@]})) && argn=$((${#names[@]} - 1))
	kind=$(_setuplink_kind "$cmd" "${names[argn]}")
	case $kind in
	file)	COMPREPLY=($(compgen -f -- "$cur")) ;;
	draft|link|connector|quarantine)
		COMPREPLY=($(compgen -W "$(_setuplink_ids "$kind")" -- "$cur")) ;;
	esac
}
complete -F _setuplink setuplink
