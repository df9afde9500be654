/* Classifies an image with libmobilevit and prints the five best classes.
 *
 *   classify WEIGHTS IMAGE.ppm               a binary PPM (P6, maxval 255)
 *   classify WEIGHTS IMAGE.rgb WIDTH HEIGHT  raw interleaved RGB bytes
 *
 * Build (from the repository root, after `cargo build --release -p mobilevit-capi`):
 *   cc -O2 -Icrates/mobilevit-capi/include examples/c/classify.c \
 *      -Ltarget/release -lmobilevit -Wl,-rpath,$PWD/target/release -o classify
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mobilevit.h"

enum { TOP = 5 };

/* Reads the whole file; NULL on failure. */
static unsigned char *read_file(const char *path, size_t *size) {
    FILE *file = fopen(path, "rb");
    if (!file) {
        return NULL;
    }
    unsigned char *data = NULL;
    size_t capacity = 0;
    *size = 0;
    for (;;) {
        if (*size == capacity) {
            capacity = capacity ? 2 * capacity : 1 << 16;
            unsigned char *grown = realloc(data, capacity);
            if (!grown) {
                free(data);
                fclose(file);
                return NULL;
            }
            data = grown;
        }
        size_t read = fread(data + *size, 1, capacity - *size, file);
        *size += read;
        if (read == 0) {
            break;
        }
    }
    fclose(file);
    return data;
}

/* Skips whitespace and '#' comments of a PPM header. */
static size_t skip_blank(const unsigned char *data, size_t size, size_t at) {
    while (at < size) {
        if (data[at] == '#') {
            while (at < size && data[at] != '\n') {
                at++;
            }
        } else if (data[at] == ' ' || data[at] == '\t' || data[at] == '\r' || data[at] == '\n') {
            at++;
        } else {
            break;
        }
    }
    return at;
}

/* Reads one decimal number of a PPM header; -1 on failure. */
static long header_number(const unsigned char *data, size_t size, size_t *at) {
    *at = skip_blank(data, size, *at);
    long value = -1;
    while (*at < size && data[*at] >= '0' && data[*at] <= '9') {
        value = (value < 0 ? 0 : value * 10) + (data[*at] - '0');
        if (value > 1L << 24) {
            return -1;
        }
        (*at)++;
    }
    return value;
}

/* The pixels of a P6 PPM with maxval 255, or NULL. */
static const unsigned char *ppm_pixels(const unsigned char *data, size_t size, uint32_t *width,
                                       uint32_t *height) {
    if (size < 2 || data[0] != 'P' || data[1] != '6') {
        return NULL;
    }
    size_t at = 2;
    long w = header_number(data, size, &at);
    long h = header_number(data, size, &at);
    long maxval = header_number(data, size, &at);
    if (w <= 0 || h <= 0 || maxval != 255 || at >= size) {
        return NULL;
    }
    at++; /* the single whitespace byte before the pixels */
    if (size - at < (size_t)w * (size_t)h * 3) {
        return NULL;
    }
    *width = (uint32_t)w;
    *height = (uint32_t)h;
    return data + at;
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 5) {
        fprintf(stderr, "usage: %s WEIGHTS IMAGE.ppm | WEIGHTS IMAGE.rgb WIDTH HEIGHT\n", argv[0]);
        return 2;
    }
    size_t size = 0;
    unsigned char *data = read_file(argv[2], &size);
    if (!data) {
        fprintf(stderr, "%s: cannot read\n", argv[2]);
        return 1;
    }
    uint32_t width = 0, height = 0;
    const unsigned char *pixels = NULL;
    if (argc == 5) {
        width = (uint32_t)strtoul(argv[3], NULL, 10);
        height = (uint32_t)strtoul(argv[4], NULL, 10);
        if (width && height && size == (size_t)width * height * 3) {
            pixels = data;
        }
    } else {
        pixels = ppm_pixels(data, size, &width, &height);
    }
    if (!pixels) {
        fprintf(stderr, "%s: not a P6 PPM (maxval 255) or raw RGB of the given size\n", argv[2]);
        free(data);
        return 1;
    }

    MobilevitModel *model = mobilevit_load(argv[1]);
    if (!model) {
        fprintf(stderr, "%s\n", mobilevit_last_error());
        free(data);
        return 1;
    }
    int32_t class_ids[TOP];
    float scores[TOP];
    uint32_t k = mobilevit_num_classes(model) < TOP ? mobilevit_num_classes(model) : TOP;
    int status = mobilevit_classify_rgb(model, pixels, width, height, k, class_ids, scores);
    if (status != 0) {
        fprintf(stderr, "%s\n", mobilevit_last_error());
    } else {
        for (uint32_t i = 0; i < k; i++) {
            printf("%u\t%d\t%.6f\n", i + 1, class_ids[i], scores[i]);
        }
    }
    mobilevit_free(model);
    free(data);
    return status == 0 ? 0 : 1;
}
