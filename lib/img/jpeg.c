/* JPEG decode through libjpeg-turbo. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#include "base/err.h"
#include "img/image.h"

struct jpeg_fail {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
	char *err;
};

static void on_jpeg_error(j_common_ptr cinfo)
{
	struct jpeg_fail *f = (struct jpeg_fail *)cinfo->err;
	char msg[JMSG_LENGTH_MAX];
	f->mgr.format_message(cinfo, msg);
	snprintf(f->err, ERRLEN, "bad JPEG: %s", msg);
	longjmp(f->jump, 1);
}

/* Whether libjpeg's warning leaves the pixels as the file means them.
 * Every other warning is an error here: libjpeg warns where the data is
 * corrupt or cut short and goes on, filling in what it could not read
 * (gray, zero coefficients, a resync to the next restart marker) -- "Corrupt
 * JPEG data: ..." (premature end of data segment, bad Huffman or arithmetic
 * code, a marker found instead of RSTn, and extraneous bytes before a
 * marker, which is what a scan holding more blocks than the header declares
 * leaves over), a premature end of file, an inconsistent progression, SOS
 * parameters that do not fit a sequential scan.  A warning a later libjpeg
 * adds is an error too, until known.  These three only concern metadata: */
static bool warning_is_harmless(int code)
{
	switch (code) {
	case JWRN_JFIF_MAJOR: /* an unknown JFIF version: the markers read the same */
	case JWRN_ADOBE_XFORM: /* an unknown Adobe transform code, taken as YCbCr,
				  the JFIF default (a patched code that is known
				  would mislead as much, and unwarned) */
	case JWRN_BOGUS_ICC: /* a bad ICC profile: profiles are ignored */
		return true;
	default:
		return false;
	}
}

static void on_jpeg_message(j_common_ptr cinfo, int level)
{
	/* level >= 0 are trace messages, off by default */
	if (level < 0 && !warning_is_harmless(cinfo->err->msg_code))
		on_jpeg_error(cinfo);
}

/* The fewest bytes that can code the image whose header libjpeg has just
 * read.  With Huffman coding every 8x8 block of every component costs at
 * least one bit: a Huffman code is 1 to 16 bits long, a block's DC
 * difference is one, and a sequential scan adds an AC code (EOB at
 * least); a progressive JPEG codes each component's DC first, block by
 * block, and may send no more.  Every component counts, whatever its
 * sampling, and whether or not the first scan holds it: a file that
 * stops before a component's first scan would decode into pixels it never
 * held, the rest zero.  libjpeg-turbo 2.1.5 meets the bound, for a uniform
 * 16000 x 16000 gray image (4,000,000 blocks): the first scan of cjpeg
 * -progressive (DC only) is 500,000 bytes, baseline with -optimize spends
 * 2 bits a block (1,000,158 bytes).  A scan that stops short of its blocks
 * is an error anyway (premature end of data segment, or of file):
 * refusing it here refuses nothing that would decode whole, but before
 * jpeg_start_decompress allocates the pixels and, for a progressive JPEG,
 * every coefficient (128 bytes a block a component). */
static uint64_t fewest_bytes(const struct jpeg_decompress_struct *cinfo)
{
	uint64_t blocks = 0;
	for (int i = 0; i < cinfo->num_components; i++) {
		const jpeg_component_info *comp = &cinfo->comp_info[i];
		blocks += (uint64_t)comp->width_in_blocks * comp->height_in_blocks;
	}
	return (blocks + 7) / 8;
}

/* What the header declares that is refused before any pixel memory is
 * asked for. */
static int refuse_header(struct jpeg_decompress_struct *cinfo, FILE *fp, char *why)
{
	long w = (long)cinfo->image_width, h = (long)cinfo->image_height;
	if (img_check_size(w, h, why))
		return -1;
	/* The arithmetic (QM) coder spends far less than a bit on a likely
	 * block: its estimate of the unlikely outcome goes down to 2^-15
	 * (Qe 0x0001), a likely decision then costing 2^-15 bit or so, and
	 * libjpeg-turbo codes a uniform 16000 x 16000 gray image in 125 bytes
	 * (206 progressive).  No size of file bounds what it declares: a few
	 * dozen bytes could code 2^28 pixels, 768 MiB of RGB and, progressive,
	 * up to twice that of coefficients.  Such JPEGs are rare (most browsers
	 * do not decode them), and jpegtran recodes them with Huffman codes
	 * without loss. */
	if (cinfo->arith_code) {
		snprintf(why, ERRLEN, "arithmetic-coded JPEG is not supported");
		return -1;
	}
	if (cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK) {
		snprintf(why, ERRLEN, "CMYK JPEG is not supported");
		return -1;
	}
	if (img_cannot_hold(fp, cinfo->src->bytes_in_buffer, fewest_bytes(cinfo), w, h, why))
		return -1;
	return 0;
}

int jpeg_decode(FILE *fp, struct image *im, char *err)
{
	struct jpeg_decompress_struct cinfo;
	struct jpeg_fail fail;
	uint8_t *volatile px = NULL;
	cinfo.err = jpeg_std_error(&fail.mgr);
	fail.mgr.error_exit = on_jpeg_error;
	fail.mgr.emit_message = on_jpeg_message;
	fail.err = err;
	if (setjmp(fail.jump)) {
		free(px);
		jpeg_destroy_decompress(&cinfo);
		return -1;
	}
	jpeg_create_decompress(&cinfo);
	jpeg_stdio_src(&cinfo, fp);
	jpeg_read_header(&cinfo, TRUE);
	if (refuse_header(&cinfo, fp, err)) {
		jpeg_destroy_decompress(&cinfo);
		return -1;
	}
	cinfo.out_color_space = cinfo.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_start_decompress(&cinfo);
	size_t stride = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
	px = malloc(stride * cinfo.output_height);
	if (!px) {
		snprintf(err, ERRLEN, "out of memory");
		jpeg_destroy_decompress(&cinfo);
		return -1;
	}
	while (cinfo.output_scanline < cinfo.output_height) {
		JSAMPROW row = px + (size_t)cinfo.output_scanline * stride;
		jpeg_read_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_decompress(&cinfo);
	im->w = (int)cinfo.output_width;
	im->h = (int)cinfo.output_height;
	im->c = cinfo.output_components;
	im->depth = 8;
	im->px = px;
	jpeg_destroy_decompress(&cinfo);
	return 0;
}
