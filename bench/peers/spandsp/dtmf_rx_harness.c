/*
 * dtmf_rx_harness: runs spandsp's DTMF receiver (dtmf_rx) over a raw audio file for the
 * dtmf-wasm benchmark (bench/peers/spandsp.mjs builds and calls it).
 *
 *   dtmf_rx_harness [--frame N] [--filter-dialtone] [--repeat R [--warmup W]] FILE
 *   dtmf_rx_harness --version
 *
 * FILE holds signed 16-bit little-endian mono PCM at 8 kHz (dtmf_rx's only rate). The
 * samples go to dtmf_rx() N at a time (default 160, 20 ms), with the receiver set up the
 * way FreeSWITCH's mod_spandsp sets it up: dtmf_rx_init(NULL, NULL, NULL) with spandsp's
 * default parameters (no dial tone filter, 8 dB normal / 4 dB reverse twist, -42 dBm0
 * threshold) and a realtime callback for key-down / key-up. --filter-dialtone turns on
 * spandsp's dial-tone filter (dtmf_rx_parms(rx, 1, -1, -1, -99): the other parameters kept),
 * the reference for keys under dial tone in bench/parts/interference.mjs.
 *
 * Detection mode (no --repeat) prints one JSON object:
 *   {"frame":N,"samples":S,"events":[{"code":"5","sample":P,"level":L,"duration":D},...]}
 * one event per realtime callback: code is the key for key-down or "" for key-up; sample is
 * the stream position at which spandsp made the call. spandsp's callback passes the number
 * of samples since its previous state change (D), so P is the running sum of those, exact to
 * the sample (the end of the 102-sample block on which it decided), not the end of the
 * frame being fed. level is spandsp's level figure (dBm0; -99 on key-up).
 *
 * Speed mode (--repeat R) feeds the whole file R times, a fresh receiver each time, and
 * prints {"frame":N,"samples":S*R,"repeat":R,"cpuNanoseconds":...,"wallNanoseconds":...,
 * "runs":[[cpu,wall],...]} (totals, then each pass's own figures).
 * Only the dtmf_rx() calls are inside the timed region (clock_gettime around each pass of
 * frames, CLOCK_THREAD_CPUTIME_ID and CLOCK_MONOTONIC); reading the file, init and free are
 * outside. --warmup W first runs W untimed passes (default 0), to warm caches the same way
 * the JavaScript peers warm their JIT.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* spandsp.h pulls in tiffio.h; include only the parts the receiver needs. */
#include <spandsp/telephony.h>
#include <spandsp/logging.h>
#include <spandsp/super_tone_rx.h>
#include <spandsp/dtmf.h>
#if defined(__has_include)
#if __has_include(<spandsp/version.h>)
#include <spandsp/version.h>
#endif
#endif

#ifndef SPANDSP_RELEASE_DATETIME_STRING
#define SPANDSP_RELEASE_DATETIME_STRING "unknown"
#endif

typedef struct {
    int code;
    int level;
    int64_t sample;
    int duration;
} rx_event_t;

typedef struct {
    rx_event_t *events;
    size_t count;
    size_t capacity;
    int64_t position;   /* running sum of the durations spandsp reports */
    bool counting_only; /* speed mode: keep the callback cheap */
} collector_t;

static void on_tone(void *user_data, int code, int level, int delay)
{
    collector_t *c = (collector_t *) user_data;

    c->position += delay;
    if (c->counting_only) {
        c->count++;
        return;
    }
    if (c->count == c->capacity) {
        size_t grown = c->capacity ? c->capacity * 2 : 64;
        rx_event_t *p = realloc(c->events, grown * sizeof(*p));
        if (p == NULL) {
            fprintf(stderr, "dtmf_rx_harness: out of memory\n");
            exit(3);
        }
        c->events = p;
        c->capacity = grown;
    }
    c->events[c->count].code = code;
    c->events[c->count].level = level;
    c->events[c->count].sample = c->position;
    c->events[c->count].duration = delay;
    c->count++;
}

static int16_t *read_pcm(const char *path, size_t *n_samples)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        if (len == cap) {
            uint8_t *p = realloc(buf, cap * 2);
            if (p == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        if (got == 0)
            break;
        len += got;
    }
    if (buf == NULL) {
        fprintf(stderr, "dtmf_rx_harness: out of memory\n");
        fclose(f);
        return NULL;
    }
    fclose(f);
    *n_samples = len / 2;
    int16_t *pcm = malloc((*n_samples ? *n_samples : 1) * sizeof(int16_t));
    if (pcm == NULL) {
        free(buf);
        return NULL;
    }
    /* Little-endian bytes to host order, whatever the host is. */
    for (size_t i = 0; i < *n_samples; i++)
        pcm[i] = (int16_t) (uint16_t) (buf[2 * i] | (buf[2 * i + 1] << 8));
    free(buf);
    return pcm;
}

static int64_t ns_of(const struct timespec *a, const struct timespec *b)
{
    return (int64_t) (b->tv_sec - a->tv_sec) * 1000000000 + (b->tv_nsec - a->tv_nsec);
}

static bool filter_dialtone = false;

static dtmf_rx_state_t *new_receiver(collector_t *c)
{
    dtmf_rx_state_t *rx = dtmf_rx_init(NULL, NULL, NULL);
    if (rx == NULL) {
        fprintf(stderr, "dtmf_rx_harness: dtmf_rx_init failed\n");
        exit(3);
    }
    if (filter_dialtone)
        dtmf_rx_parms(rx, 1, -1, -1, -99);
    dtmf_rx_set_realtime_callback(rx, on_tone, c);
    return rx;
}

static void feed(dtmf_rx_state_t *rx, const int16_t *pcm, size_t n, int frame)
{
    for (size_t at = 0; at < n; at += (size_t) frame) {
        size_t len = n - at < (size_t) frame ? n - at : (size_t) frame;
        dtmf_rx(rx, pcm + at, (int) len);
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: dtmf_rx_harness [--frame N] [--filter-dialtone] [--repeat R [--warmup W]] FILE.s16le\n"
                    "       dtmf_rx_harness --version\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int frame = 160;
    long repeat = 0;
    long warmup = 0;
    const char *path = NULL;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--version") == 0) {
            printf("{\"release\":\"%s\"}\n", SPANDSP_RELEASE_DATETIME_STRING);
            return 0;
        } else if (strcmp(argv[i], "--frame") == 0 && i + 1 < argc) {
            frame = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--filter-dialtone") == 0) {
            filter_dialtone = true;
        } else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
            repeat = atol(argv[++i]);
        } else if (strcmp(argv[i], "--warmup") == 0 && i + 1 < argc) {
            warmup = atol(argv[++i]);
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            usage();
        } else if (path == NULL) {
            path = argv[i];
        } else {
            usage();
        }
    }
    if (path == NULL || frame < 1 || repeat < 0 || warmup < 0)
        usage();

    size_t n = 0;
    int16_t *pcm = read_pcm(path, &n);
    if (pcm == NULL)
        return 1;

    collector_t c = {0};
    if (repeat == 0) {
        dtmf_rx_state_t *rx = new_receiver(&c);
        feed(rx, pcm, n, frame);
        dtmf_rx_free(rx);
        printf("{\"frame\":%d,\"samples\":%zu,\"events\":[", frame, n);
        for (size_t i = 0; i < c.count; i++) {
            const rx_event_t *e = &c.events[i];
            char code[2] = {0, 0};
            /* spandsp reports key-down with the ASCII key, key-up with 0. */
            if (e->code > 32 && e->code < 127 && e->code != '"' && e->code != '\\')
                code[0] = (char) e->code;
            printf("%s{\"code\":\"%s\",\"raw\":%d,\"sample\":%" PRId64 ",\"level\":%d,\"duration\":%d}",
                   i ? "," : "", code, e->code, e->sample, e->level, e->duration);
        }
        printf("]}\n");
    } else {
        int64_t cpu_ns = 0, wall_ns = 0;
        int64_t *runs = malloc(2 * (size_t) repeat * sizeof(int64_t) + 1);
        size_t callbacks = 0;
        if (runs == NULL) {
            fprintf(stderr, "dtmf_rx_harness: out of memory\n");
            return 3;
        }
        c.counting_only = true;
        for (long r = 0; r < warmup; r++) {
            dtmf_rx_state_t *rx = new_receiver(&c);
            feed(rx, pcm, n, frame);
            dtmf_rx_free(rx);
        }
        for (long r = 0; r < repeat; r++) {
            c.count = 0;
            c.position = 0;
            dtmf_rx_state_t *rx = new_receiver(&c);
            struct timespec c0, c1, w0, w1;
            clock_gettime(CLOCK_MONOTONIC, &w0);
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
            feed(rx, pcm, n, frame);
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
            clock_gettime(CLOCK_MONOTONIC, &w1);
            runs[2 * r] = ns_of(&c0, &c1);
            runs[2 * r + 1] = ns_of(&w0, &w1);
            cpu_ns += runs[2 * r];
            wall_ns += runs[2 * r + 1];
            callbacks += c.count;
            dtmf_rx_free(rx);
        }
        printf("{\"frame\":%d,\"samples\":%zu,\"repeat\":%ld,\"cpuNanoseconds\":%" PRId64
               ",\"wallNanoseconds\":%" PRId64 ",\"callbacks\":%zu,\"runs\":[",
               frame, n * (size_t) repeat, repeat, cpu_ns, wall_ns, callbacks);
        for (long r = 0; r < repeat; r++)
            printf("%s[%" PRId64 ",%" PRId64 "]", r ? "," : "", runs[2 * r], runs[2 * r + 1]);
        printf("]}\n");
        free(runs);
    }
    free(c.events);
    free(pcm);
    return 0;
}
