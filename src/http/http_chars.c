/* http_chars.c -- the character class table; see http_chars.h.
 *
 * Each row is 16 bytes; the comment above it shows the printable ones.
 * The two-letter names stand for the combinations that occur:
 *
 *   AL  letters G-Z g-z and - . _ ~ ! $ & ' * +   token, value, URI, reg-name, qdtext
 *   HX  0-9 A-F a-f                                 the same, and a hex digit
 *   SD  ( ) , ; =    sub-delims that are not token chars: value, URI, reg-name, qdtext
 *   GD  / ? : @      allowed in a target path/query, not in a host name
 *   TQ  # % ^ ` |    token chars that a URI forbids (or, for %, escapes)
 *   DQ  " \          a value may hold them; a quoted string must escape them
 *   VQ  SP HTAB < > [ ] { } and obs-text 0x80-0xFF: value and qdtext only
 *   __  controls, DEL: nowhere
 */
#include "http/http_chars.h"

#define T HTTP_CH_TCHAR
#define V HTTP_CH_VALUE
#define U HTTP_CH_URI
#define H HTTP_CH_HEX
#define R HTTP_CH_REG
#define Q HTTP_CH_QDTEXT

#define __ 0
#define AL (T | V | U | R | Q)
#define HX (AL | H)
#define SD (V | U | R | Q)
#define GD (V | U | Q)
#define TQ (T | V | Q)
#define DQ (V)
#define VQ (V | Q)

const uint8_t http_char_class[256] = {
	/* 0x00-0x0F: controls; only HTAB (0x09) is allowed, as whitespace */
	__, __, __, __, __, __, __, __, __, VQ, __, __, __, __, __, __,
	/* 0x10-0x1F: controls */
	__, __, __, __, __, __, __, __, __, __, __, __, __, __, __, __,
	/* SP !  "  #  $  %  &  '  (  )  *  +  ,  -  .  / */
	VQ, AL, DQ, TQ, AL, TQ, AL, AL, SD, SD, AL, AL, SD, AL, AL, GD,
	/* 0  1  2  3  4  5  6  7  8  9  :  ;  <  =  >  ? */
	HX, HX, HX, HX, HX, HX, HX, HX, HX, HX, GD, SD, VQ, SD, VQ, GD,
	/* @  A  B  C  D  E  F  G  H  I  J  K  L  M  N  O */
	GD, HX, HX, HX, HX, HX, HX, AL, AL, AL, AL, AL, AL, AL, AL, AL,
	/* P  Q  R  S  T  U  V  W  X  Y  Z  [  \  ]  ^  _ */
	AL, AL, AL, AL, AL, AL, AL, AL, AL, AL, AL, VQ, DQ, VQ, TQ, AL,
	/* `  a  b  c  d  e  f  g  h  i  j  k  l  m  n  o */
	TQ, HX, HX, HX, HX, HX, HX, AL, AL, AL, AL, AL, AL, AL, AL, AL,
	/* p  q  r  s  t  u  v  w  x  y  z  {  |  }  ~  DEL */
	AL, AL, AL, AL, AL, AL, AL, AL, AL, AL, AL, VQ, TQ, VQ, AL, __,
	/* 0x80-0xFF: obs-text, allowed in values and quoted strings only */
	VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ,
	VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ,
	VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ,
	VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ,
	VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ,
	VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ,
	VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ,
	VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ, VQ,
};
