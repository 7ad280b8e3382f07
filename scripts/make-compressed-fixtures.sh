#!/usr/bin/env bash
# Compressed copies of two WAV fixtures (their .json truth applies unchanged), for the
# compressed-audio tests (test/compressed.test.ts): MP3, Ogg Vorbis, Ogg Opus, FLAC (decoded
# in-process by WebAssembly decoders) and M4A/AAC (read through ffmpeg when installed).
# Needs ffmpeg with libmp3lame, libvorbis and libopus. Small files: a few KiB each.
#   bash scripts/make-compressed-fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/../audio-fixtures"
mkdir -p compressed
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y -i "$1" -map_metadata -1 -fflags +bitexact -flags:a +bitexact "${@:2}"; }
ff demo.wav -c:a libmp3lame -b:a 32k compressed/demo.mp3
ff demo.wav -c:a libvorbis -q:a 3 compressed/demo.ogg
ff demo.wav -c:a libopus -b:a 24k compressed/demo.opus
ff demo.wav -c:a flac compressed/demo.flac
ff demo.wav -c:a aac -b:a 48k compressed/demo.m4a
ff stereo-44k.wav -c:a libmp3lame -b:a 96k compressed/stereo-44k.mp3
ls -l compressed
