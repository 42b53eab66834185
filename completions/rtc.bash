#!/bin/bash

__rtc_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__rtc_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__rtc_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__rtc_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_rtc() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __rtc_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    offer|answer|send|listen|sdp-parse|stun-probe|bench|help)
        # Offer subcommand argument completions
        "_rtc_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'offer answer send listen sdp-parse stun-probe bench help' -- "${cur}"))
        ;;
    esac
}

_rtc_offer() {
    repeating_flags=()
    non_repeating_flags=(--relay-only --trickle --compact -v --verbose --unordered --loop --no-data-channel --json --version -h --help)
    repeating_options=(--ice-host --stun --turn --open)
    non_repeating_options=(--turn-user --turn-pass --cert --key --consent-timeout --connect-timeout --remote --max-line --delay --loss --label --protocol --id --max-retransmits --max-packet-lifetime --signal --signal-timeout --token --video --audio --video-in --audio-in --video-out --audio-out --sdp-out --stats-interval --count)
    __rtc_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--ice-host')
        return
        ;;
    '--stun')
        return
        ;;
    '--turn')
        return
        ;;
    '--turn-user')
        return
        ;;
    '--turn-pass')
        return
        ;;
    '--cert')
        return
        ;;
    '--key')
        return
        ;;
    '--consent-timeout')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--remote')
        return
        ;;
    '--max-line')
        return
        ;;
    '--delay')
        return
        ;;
    '--loss')
        return
        ;;
    '--label')
        return
        ;;
    '--protocol')
        return
        ;;
    '--id')
        return
        ;;
    '--max-retransmits')
        return
        ;;
    '--max-packet-lifetime')
        return
        ;;
    '--open')
        return
        ;;
    '--signal')
        return
        ;;
    '--signal-timeout')
        return
        ;;
    '--token')
        return
        ;;
    '--video')
        __rtc_add_completions -W 'vp8'$'\n''vp9'$'\n''h264'$'\n''av1'$'\n''opus'$'\n''pcmu'$'\n''pcma'
        return
        ;;
    '--audio')
        __rtc_add_completions -W 'vp8'$'\n''vp9'$'\n''h264'$'\n''av1'$'\n''opus'$'\n''pcmu'$'\n''pcma'
        return
        ;;
    '--video-in')
        return
        ;;
    '--audio-in')
        return
        ;;
    '--video-out')
        return
        ;;
    '--audio-out')
        return
        ;;
    '--sdp-out')
        return
        ;;
    '--stats-interval')
        return
        ;;
    '--count')
        return
        ;;
    esac
}

_rtc_answer() {
    repeating_flags=()
    non_repeating_flags=(--relay-only --trickle --compact -v --verbose --unordered --loop --no-data-channel --json --version -h --help)
    repeating_options=(--ice-host --stun --turn --open)
    non_repeating_options=(--turn-user --turn-pass --cert --key --consent-timeout --connect-timeout --remote --max-line --delay --loss --label --protocol --id --max-retransmits --max-packet-lifetime --signal --signal-timeout --token --video --audio --video-in --audio-in --video-out --audio-out --sdp-out --stats-interval --count)
    __rtc_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--ice-host')
        return
        ;;
    '--stun')
        return
        ;;
    '--turn')
        return
        ;;
    '--turn-user')
        return
        ;;
    '--turn-pass')
        return
        ;;
    '--cert')
        return
        ;;
    '--key')
        return
        ;;
    '--consent-timeout')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--remote')
        return
        ;;
    '--max-line')
        return
        ;;
    '--delay')
        return
        ;;
    '--loss')
        return
        ;;
    '--label')
        return
        ;;
    '--protocol')
        return
        ;;
    '--id')
        return
        ;;
    '--max-retransmits')
        return
        ;;
    '--max-packet-lifetime')
        return
        ;;
    '--open')
        return
        ;;
    '--signal')
        return
        ;;
    '--signal-timeout')
        return
        ;;
    '--token')
        return
        ;;
    '--video')
        __rtc_add_completions -W 'vp8'$'\n''vp9'$'\n''h264'$'\n''av1'$'\n''opus'$'\n''pcmu'$'\n''pcma'
        return
        ;;
    '--audio')
        __rtc_add_completions -W 'vp8'$'\n''vp9'$'\n''h264'$'\n''av1'$'\n''opus'$'\n''pcmu'$'\n''pcma'
        return
        ;;
    '--video-in')
        return
        ;;
    '--audio-in')
        return
        ;;
    '--video-out')
        return
        ;;
    '--audio-out')
        return
        ;;
    '--sdp-out')
        return
        ;;
    '--stats-interval')
        return
        ;;
    '--count')
        return
        ;;
    esac
}

_rtc_send() {
    repeating_flags=()
    non_repeating_flags=(--relay-only --trickle --compact -v --verbose -q --quiet --progress --answer --version -h --help)
    repeating_options=(--ice-host --stun --turn)
    non_repeating_options=(--turn-user --turn-pass --cert --key --consent-timeout --connect-timeout --remote --max-line --delay --loss --signal --signal-timeout --token --as --count)
    __rtc_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--ice-host')
        return
        ;;
    '--stun')
        return
        ;;
    '--turn')
        return
        ;;
    '--turn-user')
        return
        ;;
    '--turn-pass')
        return
        ;;
    '--cert')
        return
        ;;
    '--key')
        return
        ;;
    '--consent-timeout')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--remote')
        return
        ;;
    '--max-line')
        return
        ;;
    '--delay')
        return
        ;;
    '--loss')
        return
        ;;
    '--signal')
        return
        ;;
    '--signal-timeout')
        return
        ;;
    '--token')
        return
        ;;
    '--as')
        return
        ;;
    '--count')
        return
        ;;
    esac
}

_rtc_listen() {
    repeating_flags=()
    non_repeating_flags=(--relay-only --trickle --compact -v --verbose -q --quiet --progress --offer --overwrite --rename --version -h --help)
    repeating_options=(--ice-host --stun --turn)
    non_repeating_options=(--turn-user --turn-pass --cert --key --consent-timeout --connect-timeout --remote --max-line --delay --loss --signal --signal-timeout --token -o --output --count)
    __rtc_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--ice-host')
        return
        ;;
    '--stun')
        return
        ;;
    '--turn')
        return
        ;;
    '--turn-user')
        return
        ;;
    '--turn-pass')
        return
        ;;
    '--cert')
        return
        ;;
    '--key')
        return
        ;;
    '--consent-timeout')
        return
        ;;
    '--connect-timeout')
        return
        ;;
    '--remote')
        return
        ;;
    '--max-line')
        return
        ;;
    '--delay')
        return
        ;;
    '--loss')
        return
        ;;
    '--signal')
        return
        ;;
    '--signal-timeout')
        return
        ;;
    '--token')
        return
        ;;
    '-o'|'--output')
        return
        ;;
    '--count')
        return
        ;;
    esac
}

_rtc_sdp-parse() {
    repeating_flags=()
    non_repeating_flags=(--to-sdp --version -h --help)
    repeating_options=()
    non_repeating_options=(--max-size --max-lines)
    __rtc_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--max-size')
        return
        ;;
    '--max-lines')
        return
        ;;
    esac
}

_rtc_stun-probe() {
    repeating_flags=()
    non_repeating_flags=(--no-hairpinning -v --verbose --version -h --help)
    repeating_options=(--server)
    non_repeating_options=(--timeout --local --username --password)
    __rtc_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--server')
        return
        ;;
    '--timeout')
        return
        ;;
    '--local')
        return
        ;;
    '--username')
        return
        ;;
    '--password')
        return
        ;;
    esac
}

_rtc_bench() {
    repeating_flags=()
    non_repeating_flags=(--loaded-rtt --json --media --version -h --help)
    repeating_options=(--size --rate)
    non_repeating_options=(--processes --bytes --duration --rtt-count --rtt-size --setup-runs --delay --loss --ice-host --payload-size --relay-command --rtc-binary)
    __rtc_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--processes')
        return
        ;;
    '--size')
        return
        ;;
    '--bytes')
        return
        ;;
    '--duration')
        return
        ;;
    '--rtt-count')
        return
        ;;
    '--rtt-size')
        return
        ;;
    '--setup-runs')
        return
        ;;
    '--delay')
        return
        ;;
    '--loss')
        return
        ;;
    '--ice-host')
        return
        ;;
    '--rate')
        return
        ;;
    '--payload-size')
        return
        ;;
    '--relay-command')
        return
        ;;
    '--rtc-binary')
        return
        ;;
    esac
}

_rtc_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __rtc_offer_flags_options -1
}

complete -o filenames -F _rtc rtc
