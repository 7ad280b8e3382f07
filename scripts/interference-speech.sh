#!/usr/bin/env bash
# interference-speech.sh: speech of more voices for the bench's keys-over-speech part
# (bench/parts/interference.mjs): espeak-ng reading short call-centre texts in several languages
# with female and male voice variants, one file per voice, into bench/work/interference/.
#
# Usage: bash scripts/interference-speech.sh [OUT_DIR]   (default bench/work/interference)
#
# Every file is processed as scripts/talkoff-corpus.sh processes its corpus: mono, 8000 Hz,
# 16-bit PCM WAV, telephone band (sinc 300-3400 Hz), peak -3 dBFS. The output is deterministic
# (espeak-ng is, and sox runs in repeatable mode without dither). A file that exists is kept:
# delete the folder to rebuild. Exit codes: 0 ok, 3 a tool is missing (the message names the
# Debian package), anything else a real failure.
set -euo pipefail
export LC_ALL=C

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/bench/work/interference}"
RATE=8000
SOX=(sox -R -D -V1)

log() { printf '%s\n' "interference-speech: $*" >&2; }
for tool in espeak-ng:espeak-ng sox:sox; do
  if ! command -v "${tool%%:*}" >/dev/null 2>&1; then
    log "missing command ${tool%%:*}: apt-get install -y ${tool#*:}"
    exit 3
  fi
done

# voice|pitch (0-99)|speed (words/min)|text. Variants: +fN female, +mN male (espeak-ng --voices=variant).
VOICES=(
  "en-us+f3|60|155|Thank you for calling. Your call is important to us. To hear your balance, press one. To report a lost card, press two. For all other questions, please stay on the line and the next available agent will be with you shortly. Please enter your account number, followed by the hash key."
  "en-gb+m3|40|165|Good afternoon, you are through to the booking office. I can see two appointments on Thursday, one at half past nine and one at a quarter to four. Would either of those suit you? If not, I can look at next week instead, just tell me which day works best."
  "de+f2|65|150|Guten Tag, hier ist der Kundenservice. Bitte nennen Sie uns Ihre Kundennummer. Sie finden sie oben rechts auf Ihrer Rechnung. Wenn Sie eine Frage zu Ihrem Vertrag haben, drücken Sie die Eins. Für technische Hilfe drücken Sie die Zwei."
  "de+m3|35|160|Ich habe das Paket am Montag bestellt, aber es ist immer noch nicht angekommen. Die Sendungsnummer lautet vier sieben zwei acht neun null. Können Sie mir bitte sagen, wo es gerade ist und wann es ungefähr geliefert wird?"
  "es+f4|70|160|Bienvenido al servicio de atención al cliente. Para consultar su saldo, marque uno. Para hablar con un agente, marque cero. Le recordamos que esta llamada puede ser grabada para mejorar la calidad del servicio. Gracias por su paciencia."
  "es-419+m2|40|170|Hola, buenas tardes. Llamo porque la factura de este mes viene con un cargo que no reconozco. Son treinta y dos pesos con cincuenta, del día quince. Quisiera saber de dónde sale y, si es un error, que me lo devuelvan."
  "fr-fr+m4|45|155|Bonjour et bienvenue. Votre appel va être transféré à un conseiller. Pour connaître les horaires d'ouverture de nos agences, tapez un. Pour modifier votre rendez-vous, tapez deux. Merci de patienter quelques instants."
  "pt-br+f1|65|160|Olá, obrigado por ligar. Para segunda via da conta, digite um. Para falar sobre a sua internet, digite dois. Se preferir, diga em poucas palavras o motivo da sua ligação e nós vamos direcionar você para o setor certo."
  "nl+m1|40|160|Goedemorgen, u spreekt met de klantenservice. Mag ik uw postcode en huisnummer? Dank u wel. Ik zie hier dat de monteur morgen tussen acht en twaalf uur bij u langskomt. Is dat voor u nog steeds goed?"
  "pl+f5|70|150|Dzień dobry, dziękujemy za telefon. Aby sprawdzić stan zamówienia, naciśnij jeden. Aby porozmawiać z konsultantem, naciśnij zero. Przypominamy, że rozmowa może być nagrywana. Prosimy o cierpliwość, zaraz ktoś odbierze."
  "hi+m2|40|150|नमस्ते, हमारी सेवा में आपका स्वागत है। अपने खाते की जानकारी के लिए एक दबाएँ। नया कनेक्शन लेने के लिए दो दबाएँ। किसी अधिकारी से बात करने के लिए कृपया लाइन पर बने रहें। धन्यवाद।"
  "cmn+f2|60|150|您好，欢迎致电客户服务中心。查询话费请按一，办理业务请按二，人工服务请按零。为了保证服务质量，您的通话可能会被录音。感谢您的耐心等待。"
)

mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for spec in "${VOICES[@]}"; do
  IFS='|' read -r voice pitch speed text <<<"$spec"
  name="speech-espeak-$(printf '%s' "$voice" | tr '+' '-').wav"
  [ -f "$OUT/$name" ] && continue
  espeak-ng -v "$voice" -p "$pitch" -s "$speed" -w "$TMP/raw.wav" -- "$text"
  # Read twice, the second time a little slower and lower: about 35 s a voice.
  espeak-ng -v "$voice" -p "$((pitch - 10))" -s "$((speed - 15))" -w "$TMP/raw2.wav" -- "$text"
  "${SOX[@]}" "$TMP/raw.wav" "$TMP/raw2.wav" -t wav -e signed-integer -b 16 -c 1 -r "$RATE" "$OUT/$name.part" \
    gain -6 remix - rate -v "$RATE" sinc 300-3400 norm -3
  mv -f "$OUT/$name.part" "$OUT/$name"
  log "$name: $(soxi -D "$OUT/$name") s"
done
