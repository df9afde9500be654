/* The C API's forward pass and its errors, for tests/c_api.rs.
 *
 *   forward_check WEIGHTS INPUT.f32 N HEIGHT WIDTH OUTPUT.f32
 *
 * Reads N*3*HEIGHT*WIDTH raw float32 values, writes N*classes logits, then checks that bad
 * arguments fail with a message instead of crashing. Prints "ok" at the end. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mobilevit.h"

static int failures = 0;

/* Checks that a call failed with a message containing `expected`. */
static void expect_error(int status, const char *expected, const char *what) {
    const char *message = mobilevit_last_error();
    if (status == 0 || !message || !strstr(message, expected)) {
        fprintf(stderr, "%s: status %d, message '%s', expected '%s'\n", what, status,
                message ? message : "(null)", expected);
        failures++;
    } else {
        printf("%s: %s\n", what, message);
    }
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: %s WEIGHTS INPUT.f32 N HEIGHT WIDTH OUTPUT.f32\n", argv[0]);
        return 2;
    }
    uint32_t n = (uint32_t)atoi(argv[3]), height = (uint32_t)atoi(argv[4]),
             width = (uint32_t)atoi(argv[5]);
    size_t count = (size_t)n * 3 * height * width;
    float *input = malloc(count * sizeof(float));
    FILE *file = fopen(argv[2], "rb");
    if (!input || !file || fread(input, sizeof(float), count, file) != count) {
        fprintf(stderr, "%s: cannot read %zu floats\n", argv[2], count);
        return 1;
    }
    fclose(file);

    MobilevitModel *missing = mobilevit_load("/nonexistent/weights.bpk");
    expect_error(missing == NULL, "no such file", "load of a missing file");
    expect_error(mobilevit_load(NULL) == NULL, "NULL", "load of NULL");

    MobilevitModel *model = mobilevit_load(argv[1]);
    if (!model) {
        fprintf(stderr, "%s\n", mobilevit_last_error());
        return 1;
    }
    uint32_t classes = mobilevit_num_classes(model);
    float *logits = malloc((size_t)n * classes * sizeof(float));
    if (mobilevit_forward(model, input, n, height, width, logits) != 0) {
        fprintf(stderr, "forward: %s\n", mobilevit_last_error());
        return 1;
    }
    if (mobilevit_last_error() != NULL) {
        fprintf(stderr, "a successful call left an error message\n");
        failures++;
    }
    file = fopen(argv[6], "wb");
    fwrite(logits, sizeof(float), (size_t)n * classes, file);
    fclose(file);

    int32_t ids[5];
    float scores[5];
    uint8_t pixel[3 * 64 * 64] = {0};
    expect_error(mobilevit_forward(NULL, input, n, height, width, logits), "model is NULL",
                 "forward without a model");
    expect_error(mobilevit_forward(model, NULL, n, height, width, logits), "input is NULL",
                 "forward without input");
    expect_error(mobilevit_forward(model, input, n, 3, 3, logits), "at least",
                 "forward of a 3x3 image");
    expect_error(mobilevit_forward(model, input, 0, height, width, logits), "empty",
                 "forward of an empty batch");
    expect_error(mobilevit_classify_rgb(model, pixel, 64, 64, 0, ids, scores), "k must be",
                 "classify with k = 0");
    expect_error(mobilevit_classify_rgb(model, pixel, 64, 64, classes + 1, ids, scores),
                 "k must be", "classify with k above the class count");
    expect_error(mobilevit_classify_rgb(model, NULL, 64, 64, 5, ids, scores), "rgb is NULL",
                 "classify without pixels");
    expect_error(mobilevit_classify_rgb(model, pixel, 64, 64, 5, NULL, scores),
                 "class_ids is NULL", "classify without room for ids");
    if (mobilevit_num_classes(NULL) != 0) {
        failures++;
    }
    mobilevit_free(NULL);
    mobilevit_free(model);
    free(logits);
    free(input);
    if (failures == 0) {
        printf("ok\n");
    }
    return failures == 0 ? 0 : 1;
}
