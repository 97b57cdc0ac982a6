# SPDX-License-Identifier: MIT
# bash completion for rootlock(1): the commands, each command's options
# (as in its option table and --help) and the values some of them take.

# Containers for plan, try and fix: asked of the engine the line names
# (-H, --context), bounded in time, silent when there is no docker client.
_rootlock_containers()
{
	type -P docker >/dev/null || return
	# The line as typed, split at blanks only: readline splits an address
	# such as unix:///x.sock at its colon.
	local -a typed engine=()
	read -ra typed <<<"${COMP_LINE:0:COMP_POINT}"
	local i
	for ((i = 2; i < ${#typed[@]}; i++)); do
		case ${typed[i]} in
		-H | --host | --context) engine+=("${typed[i]}" "${typed[i + 1]}") ;;
		--host=* | --context=*) engine+=("${typed[i]}") ;;
		esac
	done
	local names
	names=$(timeout 3 docker "${engine[@]}" ps -a --format '{{.Names}}' 2>/dev/null) || return
	COMPREPLY+=($(compgen -W "$names" -- "$cur"))
}

_rootlock_files()
{
	if declare -F _filedir >/dev/null; then
		_filedir "$@"
	elif [ "${1:-}" = -d ]; then
		COMPREPLY=($(compgen -d -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}

_rootlock()
{
	local cur prev words cword split=false
	if declare -F _init_completion >/dev/null; then
		# -s: --format=json is completed as --format json is.
		_init_completion -s || return
	else
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
	fi

	local commands="audit authz fix lint plan try watch"
	if ((cword == 1)); then
		COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
		return
	fi

	local engine="-H --host --context --tls --tlsverify --tlscacert --tlscert --tlskey --timeout"
	local cmd=${words[1]} opts="" formats="" action=""
	case $cmd in
	audit)
		opts="-h --help -o --output --running --filter --config --format --color --colour
			--strict --parallel --all-contexts $engine"
		formats="table json jsonl sarif junit csv"
		;;
	lint)
		opts="-h --help -f --file -o --output --env-file --exclude --config --format --strict"
		formats="text json jsonl sarif junit csv"
		;;
	plan)
		opts="-h --help -o --output --format $engine"
		formats="text run compose json"
		;;
	try)
		opts="-h --help -o --output --rounds --settle --wait --exec --network --format --strict
			$engine"
		formats="text json"
		;;
	fix)
		opts="-h --help -o --output --try --exec --plan -f --file --service --image --drop-in
			--override --write $engine"
		;;
	watch)
		opts="-h --help -o --output --format --once --listen --config --ping-after --resync $engine"
		formats="text jsonl"
		;;
	authz)
		action=${words[2]}
		if ((cword == 2)); then
			COMPREPLY=($(compgen -W "serve install --help" -- "$cur"))
			return
		fi
		case $action in
		serve) opts="-h --help --socket --policy --mode --log" ;;
		install) opts="-h --help --socket --spec-dir --unit-dir --policy --print" ;;
		*) return ;;
		esac
		;;
	*) return ;;
	esac

	case $prev in
	--format)
		COMPREPLY=($(compgen -W "$formats" -- "$cur"))
		return
		;;
	--color | --colour)
		COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
		return
		;;
	--mode)
		COMPREPLY=($(compgen -W "enforce warn" -- "$cur"))
		return
		;;
	-o | --output | --config | -f | --file | --env-file | --plan | --override | --policy | \
		--log | --socket | --tlscacert | --tlscert | --tlskey)
		_rootlock_files
		return
		;;
	--spec-dir | --unit-dir)
		_rootlock_files -d
		return
		;;
	-H | --host | --context | --filter | --exclude | --parallel | --rounds | --settle | \
		--wait | --exec | --network | --service | --image | --listen | --ping-after | \
		--resync | --timeout)
		# A value of the user's own: nothing to offer.
		return
		;;
	esac
	$split && return

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	case $cmd in
	lint) _rootlock_files ;;
	plan | try | fix) _rootlock_containers ;;
	# No arguments but options: offer those.
	*) COMPREPLY=($(compgen -W "$opts" -- "$cur")) ;;
	esac
}
complete -F _rootlock rootlock
