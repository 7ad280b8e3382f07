#!/usr/bin/env bash
# talkoff-corpus.sh: build the talk-off corpus for dtmf-wasm: real speech and
# music that contains no DTMF, used to check that the detector never reports a
# key on speech or music.
#
# Usage:
#   bash scripts/talkoff-corpus.sh fixtures   small committed excerpts -> audio-fixtures/talkoff/
#   bash scripts/talkoff-corpus.sh bench      >= 60 min speech + >= 60 min music -> bench/work/talkoff/
#   bash scripts/talkoff-corpus.sh heldout    music from other Debian packages, never used to tune
#                                             the detector -> bench/work/talkoff-heldout/
#   bash scripts/talkoff-corpus.sh check      only check that the tools and packages are installed
#
# Every output file is mono, 8000 Hz, 16-bit signed PCM WAV, band-limited to the
# telephone band (sinc 300-3400 Hz) and normalised so that its peak is -3 dBFS.
# The sources are Debian packages (see audio-fixtures/talkoff/README.md for
# packages, source files and licences). The output is deterministic: the same
# source files are chosen in the same order (C-locale sorted names, fixed
# strides), sox runs in repeatable mode without dither, and the module renderer
# (xmp) and espeak-ng are deterministic.
#
# Exit codes: 0 ok, 2 usage error, 3 a tool or a Debian package is missing (the
# message says what to apt-get install), anything else: a real failure.
set -euo pipefail
export LC_ALL=C

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FIX_DIR="$ROOT/audio-fixtures/talkoff"
BENCH_DIR="$ROOT/bench/work/talkoff"
HELDOUT_DIR="$ROOT/bench/work/talkoff-heldout"

RATE=8000
GAP=0.3                # silence between two speech prompts, seconds
FIX_SECONDS=25         # length of one committed excerpt, seconds
STRIDE=11              # fixtures: take every STRIDE-th prompt of the sorted list...
STRIDE_OFFSET=5        # ...starting at this index,
MAX_PROMPT_SECONDS=6   # ...skipping prompts longer than this (more voices/words per excerpt)
BENCH_PART_SECONDS=300 # bench: start a new speech file once one reaches this length

SPEECH_PKGS=(asterisk-core-sounds-it-wav asterisk-core-sounds-ru-wav asterisk-prompt-es-co asterisk-prompt-fr-armelle)
MUSIC_PKGS=(fb-music-high hyperrogue-music drascula-music)
# Music added to the bench corpus (not to the fixtures): the first held-out set, whose false
# keys were studied to design the late-candidate rule (assembly/decision.ts), so no longer held out.
MORE_MUSIC_PKGS=(pingus-data frozen-bubble-data wesnoth-1.16-music)
# Held-out music: a check of the talk-off figures on music the thresholds were not chosen on.
HELDOUT_PKGS=(warzone2100-music extremetuxracer-data lincity-ng-data)
# language code -> Debian package of the prompts
declare -A LANG_PKG=(
  [it]=asterisk-core-sounds-it-wav
  [ru]=asterisk-core-sounds-ru-wav
  [es]=asterisk-prompt-es-co
  [fr]=asterisk-prompt-fr-armelle
)
LANGS=(it ru es fr)

log() { printf '%s\n' "talkoff-corpus: $*" >&2; }

# ---------------------------------------------------------------------------
# Prerequisites
# ---------------------------------------------------------------------------
pkg_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

check_prereqs() {
  local missing_pkgs=() missing_what=()
  local tool pkg
  # tool -> Debian package that provides it
  for tool in sox:sox soxi:sox espeak-ng:espeak-ng xmp:xmp dpkg-query:dpkg; do
    if ! command -v "${tool%%:*}" >/dev/null 2>&1; then
      missing_what+=("command ${tool%%:*}")
      missing_pkgs+=("${tool#*:}")
    fi
  done
  if command -v sox >/dev/null 2>&1; then
    local formats
    formats="$(sox -h 2>&1 | sed -n 's/^AUDIO FILE FORMATS://p')"
    case " $formats " in *" vorbis "*|*" ogg "*) ;; *)
      missing_what+=("sox Ogg Vorbis support"); missing_pkgs+=(libsox-fmt-all) ;;
    esac
    case " $formats " in *" gsm "*) ;; *)
      missing_what+=("sox GSM support"); missing_pkgs+=(libsox-fmt-all) ;;
    esac
  fi
  if command -v dpkg-query >/dev/null 2>&1; then
    for pkg in "${SPEECH_PKGS[@]}" "${MUSIC_PKGS[@]}"; do
      if ! pkg_installed "$pkg"; then
        missing_what+=("Debian package $pkg"); missing_pkgs+=("$pkg")
      fi
    done
  fi
  if [ "${#missing_pkgs[@]}" -gt 0 ]; then
    log "cannot build the talk-off corpus; missing:"
    printf '  - %s\n' "${missing_what[@]}" >&2
    log "install them with:"
    printf '  apt-get install -y %s\n' "$(printf '%s\n' "${missing_pkgs[@]}" | sort -u | tr '\n' ' ' | sed 's/ $//')" >&2
    exit 3
  fi
}

# ---------------------------------------------------------------------------
# Source file lists (C-locale sorted, one path a line)
# ---------------------------------------------------------------------------

# Filters stdin paths: keeps regular files, drops symlinks and directories.
only_regular_files() {
  local f
  while IFS= read -r f; do
    if [ -f "$f" ] && [ ! -L "$f" ]; then printf '%s\n' "$f"; fi
  done
}

# Speech prompts of one language: every .wav/.gsm of the package, minus
# silence files and non-speech tones (beeps, two-tone jingles).
speech_sources() {
  local pkg="${LANG_PKG[$1]}"
  dpkg -L "$pkg" \
    | grep -E '\.(wav|gsm)$' \
    | grep -v '/silence/' \
    | grep -vE '/(beep|beeperr|ascending-2tone|descending-2tone)\.(wav|gsm)$' \
    | only_regular_files \
    | sort
}

# Music tracks of one package (symlinked duplicates are skipped).
# Short name of a music package in file names.
music_name() {
  case "$1" in
    fb-music-high) echo fb ;;
    hyperrogue-music) echo hyperrogue ;;
    drascula-music) echo drascula ;;
    pingus-data) echo pingus ;;
    frozen-bubble-data) echo frozen-bubble ;;
    wesnoth-1.16-music) echo wesnoth ;;
    extremetuxracer-data) echo etr ;;
    lincity-ng-data) echo lincity ;;
    *) echo "${1%-music}" ;;
  esac
}

music_sources() {
  case "$1" in
    fb-music-high) dpkg -L fb-music-high | grep -E '\.xm$' ;;
    hyperrogue-music) dpkg -L hyperrogue-music | grep -E '/music/[^/]+\.ogg$' ;;
    drascula-music) dpkg -L drascula-music | grep -E '\.ogg$' ;;
    pingus-data) dpkg -L pingus-data | grep -E '/music/[^/]+\.(it|s3m|xm|mod)$' ;;
    frozen-bubble-data) dpkg -L frozen-bubble-data | grep -E '/(frozen-mainzik-[12]p|introzik)\.ogg$' ;;
    wesnoth-1.16-music) dpkg -L wesnoth-1.16-music | grep -E '/music/[^/]+\.ogg$' ;;
    warzone2100-music) dpkg -L warzone2100-music | grep -E '/music/.+\.opus$' ;;
    extremetuxracer-data) dpkg -L extremetuxracer-data | grep -E '/etr/music/[^/]+\.ogg$' ;;
    lincity-ng-data) dpkg -L lincity-ng-data | grep -E '/music/default/[^/]+\.ogg$' ;;
  esac | only_regular_files | sort
}

# ---------------------------------------------------------------------------
# Audio helpers
# ---------------------------------------------------------------------------
TMP=""
cleanup() { if [ -n "$TMP" ]; then rm -rf "$TMP"; fi; }
trap cleanup EXIT

# sox in repeatable mode (-R), without dither (-D), errors only (-V1)
SOX=(sox -R -D -V1)

# Decodes any source to a 16-bit stereo WAV that sox can read (renders tracker
# modules with xmp, Opus with opusdec); prints the path of the decoded file.
decoded() {
  local src="$1"
  case "$src" in
    *.opus)
      local out="$TMP/decode-$(basename "$(dirname "$src")")-$(basename "$src").wav"
      [ -f "$out" ] || opusdec --quiet --rate 48000 "$src" "$out" >/dev/null 2>&1
      printf '%s\n' "$out" ;;
    *.xm|*.mod|*.it|*.s3m)
      local out="$TMP/render-$(basename "$src").wav"
      [ -f "$out" ] || xmp -q -f 44100 -o "$out" "$src" >/dev/null 2>&1
      printf '%s\n' "$out" ;;
    *) printf '%s\n' "$src" ;;
  esac
}

# Appends SRC, as raw 32-bit float mono at RATE, to the raw stream STREAM.
append_raw() {
  "${SOX[@]}" "$1" -t f32 -r "$RATE" -c 1 - remix - rate -v "$RATE" >>"$2"
}
append_silence() {
  "${SOX[@]}" -n -t f32 -r "$RATE" -c 1 - trim 0 "$1" >>"$2"
}
# Seconds of audio in a raw f32 mono stream at RATE.
raw_seconds() {
  local bytes
  bytes=$(stat -c %s "$1")
  awk -v b="$bytes" -v r="$RATE" 'BEGIN { printf "%.3f", b / 4 / r }'
}

# finish IN OUT [sox effects applied first...]: telephone band, -3 dBFS peak,
# mono 8 kHz 16-bit PCM WAV. IN may be a raw f32 stream (name ends in .f32).
finish() {
  local in="$1" out="$2"; shift 2
  local inopts=()
  case "$in" in *.f32) inopts=(-t f32 -r "$RATE" -c 1) ;; esac
  "${SOX[@]}" "${inopts[@]}" "$in" -t wav -e signed-integer -b 16 -c 1 -r "$RATE" "$out.part" \
    "$@" gain -6 remix - rate -v "$RATE" sinc 300-3400 norm -3
  mv -f "$out.part" "$out"
}

duration() { soxi -D "$1"; }

# Seconds of a speech prompt (soxi reports 0 for raw GSM 6.10, which is 33
# bytes per 160-sample frame at 8 kHz).
prompt_seconds() {
  case "$1" in
    *.gsm) awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.3f", int(b / 33) * 0.02 }' ;;
    *) duration "$1" ;;
  esac
}

# JSON string (source paths and names here hold no quotes or backslashes,
# but escape them anyway)
json_str() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"; }

# ---------------------------------------------------------------------------
# Speech: concatenation of prompts with short silences
# ---------------------------------------------------------------------------
# concat_speech STREAM SEGFILE SRC...: appends each SRC and a GAP of silence to
# STREAM; writes "start<TAB>duration<TAB>source" per SRC to SEGFILE (the source
# is named SEG_LABEL instead when that is set).
SEG_LABEL=""
concat_speech() {
  local stream="$1" segs="$2"; shift 2
  local src start end
  for src in "$@"; do
    start=$(raw_seconds "$stream")
    append_raw "$src" "$stream"
    end=$(raw_seconds "$stream")
    printf '%s\t%s\t%s\n' "$start" "$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.3f", b-a}')" "${SEG_LABEL:-$src}" >>"$segs"
    append_silence "$GAP" "$stream"
  done
}

# The fixed English paragraph of the espeak-ng fixture: one sentence per voice.
ESPEAK_FIXTURE=(
  "en-us|50|160|Thank you for calling the city library. Our opening hours are nine to five, Monday to Saturday."
  "en-gb+f3|70|150|To renew a book, please have your card number ready; it is the long number printed under the bar code."
  "en-gb-scotland+m3|35|170|If you are calling about a lost item, say lost property, or stay on the line for an operator."
  "en-us+f5|85|145|Fines are twenty cents a day, up to a maximum of four dollars and fifty cents per item."
  "en-gb-x-rp+m7|25|155|Our new address is one hundred and twenty three Harbour Road, postcode three zero four five."
  "en-029+f2|60|165|Thank you, and have a lovely afternoon."
)

# espeak_piece SPEC OUT: speaks "voice|pitch|speed|text" into OUT (WAV).
espeak_piece() {
  local spec="$1" out="$2" voice pitch speed text
  IFS='|' read -r voice pitch speed text <<<"$spec"
  espeak-ng -v "$voice" -p "$pitch" -s "$speed" -w "$out" -- "$text"
}

# ---------------------------------------------------------------------------
# Mode: fixtures
# ---------------------------------------------------------------------------
fixtures() {
  mkdir -p "$FIX_DIR"
  local lang list n i picks segs stream out

  for lang in "${LANGS[@]}"; do
    mapfile -t list < <(speech_sources "$lang")
    n=${#list[@]}
    picks=()
    stream="$TMP/speech-$lang.f32"; segs="$TMP/speech-$lang.segs"
    : >"$stream"; : >"$segs"
    # every STRIDE-th prompt (skipping long ones) until FIX_SECONDS are filled
    for ((i = STRIDE_OFFSET; i < n; i += STRIDE)); do
      if awk -v d="$(prompt_seconds "${list[$i]}")" -v m="$MAX_PROMPT_SECONDS" 'BEGIN{exit !(d > m)}'; then continue; fi
      concat_speech "$stream" "$segs" "${list[$i]}"
      picks+=("${list[$i]#/usr/share/asterisk/sounds/}")
      if awk -v s="$(raw_seconds "$stream")" -v t="$FIX_SECONDS" 'BEGIN{exit !(s >= t)}'; then break; fi
    done
    out="$FIX_DIR/speech-$lang.wav"
    finish "$stream" "$out" trim 0 "$FIX_SECONDS"
    log "$(basename "$out"): ${LANG_PKG[$lang]}, prompts #$STRIDE_OFFSET, #$((STRIDE_OFFSET + STRIDE)), ... of $n (stride $STRIDE, <= $MAX_PROMPT_SECONDS s), under /usr/share/asterisk/sounds/: ${picks[*]}"
  done

  # English, espeak-ng: the fixed paragraph, one voice per sentence
  stream="$TMP/espeak.f32"; segs="$TMP/espeak.segs"
  : >"$stream"; : >"$segs"
  i=0
  for spec in "${ESPEAK_FIXTURE[@]}"; do
    espeak_piece "$spec" "$TMP/espeak-$i.wav"
    concat_speech "$stream" "$segs" "$TMP/espeak-$i.wav"
    i=$((i + 1))
  done
  # the whole paragraph (about 35 s), not cut to FIX_SECONDS
  finish "$stream" "$FIX_DIR/speech-en-espeak.wav"
  log "speech-en-espeak.wav: espeak-ng, ${#ESPEAK_FIXTURE[@]} sentences, raw length $(raw_seconds "$stream") s"

  # Music: FIX_SECONDS from the middle of the longest track of each package
  local pkg name src best bestd d start dec
  for pkg in "${MUSIC_PKGS[@]}"; do
    name=$(music_name "$pkg")
    best=""; bestd=0
    while IFS= read -r src; do
      dec=$(decoded "$src")
      d=$(duration "$dec")
      if awk -v a="$d" -v b="$bestd" 'BEGIN{exit !(a > b)}'; then best="$src"; bestd="$d"; fi
    done < <(music_sources "$pkg")
    dec=$(decoded "$best")
    start=$(awk -v d="$bestd" -v t="$FIX_SECONDS" 'BEGIN{ s = int(d / 2 - t / 2); if (s < 0) s = 0; print s }')
    finish "$dec" "$FIX_DIR/music-$name.wav" trim "$start" "$FIX_SECONDS"
    log "music-$name.wav: $pkg, $(basename "$best") (${bestd} s), from ${start} s for ${FIX_SECONDS} s"
  done

  log "wrote $FIX_DIR ($(du -sh "$FIX_DIR" | cut -f1))"
}

# ---------------------------------------------------------------------------
# Mode: bench
# ---------------------------------------------------------------------------
MANIFEST_ENTRIES=()

# manifest_add FILE KIND PACKAGE SEGFILE|"" [SOURCE]
manifest_add() {
  local file="$1" kind="$2" pkg="$3" segs="$4" src="${5:-}" e
  e="    {\"file\": $(json_str "$(basename "$file")"), \"kind\": \"$kind\", \"package\": $(json_str "$pkg"), \"durationSeconds\": $(duration "$file")"
  if [ -n "$src" ]; then
    e+=", \"source\": $(json_str "$src")"
  fi
  if [ -n "$segs" ]; then
    e+=", \"segments\": ["
    e+=$(awk -F'\t' '{ printf "%s\n      {\"start\": %s, \"duration\": %s, \"source\": \"%s\"}", (NR > 1 ? "," : ""), $1, $2, $3 }' "$segs")
    e+=$'\n    ]'
  fi
  e+="}"
  MANIFEST_ENTRIES+=("$e")
}

bench() {
  mkdir -p "$BENCH_DIR"
  rm -f "$BENCH_DIR"/*.wav "$BENCH_DIR"/*.part "$BENCH_DIR/manifest.json"

  local lang list src part stream segs out
  # Speech: every prompt of each language, in sorted order, in parts of ~5 min
  for lang in "${LANGS[@]}"; do
    mapfile -t list < <(speech_sources "$lang")
    part=0; stream=""
    for src in "${list[@]}"; do
      if [ -z "$stream" ]; then
        part=$((part + 1))
        stream="$TMP/bench-$lang-$part.f32"; segs="$TMP/bench-$lang-$part.segs"
        : >"$stream"; : >"$segs"
      fi
      concat_speech "$stream" "$segs" "$src"
      if awk -v s="$(raw_seconds "$stream")" -v t="$BENCH_PART_SECONDS" 'BEGIN{exit !(s >= t)}'; then
        out="$BENCH_DIR/$(printf 'speech-%s-%02d.wav' "$lang" "$part")"
        finish "$stream" "$out"; manifest_add "$out" speech "${LANG_PKG[$lang]}" "$segs"
        rm -f "$stream"; stream=""
        log "$(basename "$out")"
      fi
    done
    if [ -n "$stream" ]; then
      out="$BENCH_DIR/$(printf 'speech-%s-%02d.wav' "$lang" "$part")"
      finish "$stream" "$out"; manifest_add "$out" speech "${LANG_PKG[$lang]}" "$segs"
      rm -f "$stream"
      log "$(basename "$out")"
    fi
  done

  # Speech, English, espeak-ng: the GNU GPL 3 text (from base-files), split
  # into six slices of lines, each read by a different voice, one paragraph
  # per piece.
  local text=/usr/share/common-licenses/GPL-3
  if [ -f "$text" ]; then
    local voices=("en-us|50|160" "en-gb+f3|70|150" "en-gb-scotland+m3|35|170" "en-us+f5|85|145" "en-gb-x-rp+m7|25|155" "en-029+f2|60|165")
    local lines nslices=6 k from to p para
    lines=$(wc -l <"$text")
    for ((k = 0; k < nslices; k++)); do
      from=$((k * lines / nslices + 1)); to=$(((k + 1) * lines / nslices))
      stream="$TMP/bench-espeak-$k.f32"; segs="$TMP/bench-espeak-$k.segs"
      : >"$stream"; : >"$segs"
      p=0
      # paragraphs of the slice (blank-line separated), one espeak-ng call each
      while IFS= read -r para; do
        [ -n "$para" ] || continue
        espeak_piece "${voices[$k]}|$para" "$TMP/espeak-bench.wav"
        SEG_LABEL="$text lines $from-$to paragraph $p, voice ${voices[$k]%%|*}"
        concat_speech "$stream" "$segs" "$TMP/espeak-bench.wav"
        SEG_LABEL=""
        p=$((p + 1))
      done < <(sed -n "${from},${to}p" "$text" | awk 'BEGIN{RS=""; ORS="\n"} { gsub(/[ \t]*\n[ \t]*/, " "); print }')
      out="$BENCH_DIR/$(printf 'speech-en-espeak-%02d.wav' "$((k + 1))")"
      finish "$stream" "$out"; manifest_add "$out" speech espeak-ng "$segs"
      rm -f "$stream"
      log "$(basename "$out")"
    done
  else
    log "warning: $text not found; skipping the espeak-ng part of the bench corpus"
  fi

  # Music: every track of every package, whole
  local pkg name base dec missing=()
  for pkg in "${MORE_MUSIC_PKGS[@]}"; do pkg_installed "$pkg" || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "missing Debian packages: apt-get install ${missing[*]}"
    exit 3
  fi
  for pkg in "${MUSIC_PKGS[@]}" "${MORE_MUSIC_PKGS[@]}"; do
    name=$(music_name "$pkg")
    while IFS= read -r src; do
      base=$(basename "$src"); base=${base%.*}
      # track1 -> track01 so that names sort in track order
      if [[ "$base" =~ ^track([0-9])$ ]]; then base="track0${BASH_REMATCH[1]}"; fi
      out="$BENCH_DIR/music-$name-$base.wav"
      dec=$(decoded "$src")
      finish "$dec" "$out"; manifest_add "$out" music "$pkg" "" "$src"
      [ "$dec" = "$src" ] || rm -f "$dec"
      log "$(basename "$out")"
    done < <(music_sources "$pkg")
  done

  # manifest.json
  local speech_s music_s
  speech_s=$(printf '%s\n' "${MANIFEST_ENTRIES[@]}" | awk -F'"durationSeconds": ' '/"kind": "speech"/ { split($2, a, /[,}]/); s += a[1] } END { printf "%.3f", s }')
  music_s=$(printf '%s\n' "${MANIFEST_ENTRIES[@]}" | awk -F'"durationSeconds": ' '/"kind": "music"/ { split($2, a, /[,}]/); s += a[1] } END { printf "%.3f", s }')
  {
    printf '{\n'
    printf '  "generator": "scripts/talkoff-corpus.sh bench",\n'
    printf '  "format": {"container": "wav", "encoding": "pcm16", "sampleRate": %d, "channels": 1, "band": "sinc 300-3400 Hz", "peakDbfs": -3},\n' "$RATE"
    printf '  "speechSeconds": %s,\n' "$speech_s"
    printf '  "musicSeconds": %s,\n' "$music_s"
    printf '  "files": [\n'
    local i
    for ((i = 0; i < ${#MANIFEST_ENTRIES[@]}; i++)); do
      printf '%s%s\n' "${MANIFEST_ENTRIES[$i]}" "$([ $i -lt $((${#MANIFEST_ENTRIES[@]} - 1)) ] && echo ,)"
    done
    printf '  ]\n}\n'
  } >"$BENCH_DIR/manifest.json.part"
  mv -f "$BENCH_DIR/manifest.json.part" "$BENCH_DIR/manifest.json"
  log "wrote ${#MANIFEST_ENTRIES[@]} files to $BENCH_DIR: speech ${speech_s} s, music ${music_s} s ($(du -sh "$BENCH_DIR" | cut -f1))"
}

# Held-out music: every track of the HELDOUT_PKGS, processed as the bench corpus's music.
heldout() {
  local pkg name base dec missing=()
  for pkg in "${HELDOUT_PKGS[@]}"; do pkg_installed "$pkg" || missing+=("$pkg"); done
  command -v opusdec >/dev/null 2>&1 || missing+=(opus-tools)
  if [ ${#missing[@]} -gt 0 ]; then
    log "missing Debian packages: apt-get install ${missing[*]}"
    exit 3
  fi
  mkdir -p "$HELDOUT_DIR"
  rm -f "$HELDOUT_DIR"/*.wav "$HELDOUT_DIR"/*.part
  for pkg in "${HELDOUT_PKGS[@]}"; do
    name=$(music_name "$pkg")
    while IFS= read -r src; do
      base=$(basename "$src"); base=${base%.*}
      # Albums of one package may reuse track names: prefix the album's folder.
      case "$src" in */albums/*) base="$(basename "$(dirname "$src")" | sed 's/_soundtrack$//')-$base" ;; esac
      # Spaces and punctuation in names ("01 - pronobozo - lincity") become single dashes.
      base=$(printf '%s' "$base" | tr -cs 'A-Za-z0-9_.-' '-' | sed 's/--*/-/g')
      out="$HELDOUT_DIR/music-$name-$base.wav"
      dec=$(decoded "$src")
      finish "$dec" "$out"
      [ "$dec" = "$src" ] || rm -f "$dec"
      log "$(basename "$out")"
    done < <(music_sources "$pkg")
  done
  log "wrote $(ls "$HELDOUT_DIR"/*.wav | wc -l) files to $HELDOUT_DIR ($(du -sh "$HELDOUT_DIR" | cut -f1))"
}

# ---------------------------------------------------------------------------
case "${1:-}" in
  fixtures) check_prereqs; TMP=$(mktemp -d); fixtures ;;
  bench) check_prereqs; TMP=$(mktemp -d); bench ;;
  heldout) check_prereqs; TMP=$(mktemp -d); heldout ;;
  check) check_prereqs; log "all tools and packages are installed" ;;
  *)
    echo "usage: bash scripts/talkoff-corpus.sh fixtures|bench|heldout|check" >&2
    exit 2 ;;
esac
