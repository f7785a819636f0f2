/*
 * hdhr.c - sd as an HDHomeRun network tuner, for Plex, Emby and Jellyfin:
 * the HTTP answers they read from a Silicondust device.
 *
 *   /discover.json         the device: its id, model, tuners, lineup URL
 *   /lineup.json           one entry a proxy: GuideNumber, GuideName, URL
 *   /lineup_status.json    no scan running, a scan possible, "Cable"
 *   /device.xml            the UPnP device description
 *
 * The device id is stable per install: eight hex digits made once from
 * random bytes and kept in SPOOL/.device-id, with libhdhomerun's check
 * digit (the last nibble) so that clients that validate ids accept it.
 * Every URL honours base_url (srv_base_url).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd.h"
#include "hdhr.h"
#include "serve_int.h"
#include "util_int.h"

#define HDHR_ID_FILE ".device-id"	/* not a proxy id: those never start
					 * with a dot */

/* libhdhomerun's hdhomerun_discover_validate_device_id, turned around:
 * the check digit that makes the XOR of the nibbles come out 0. */
static const uint8_t hdhr_lookup[16] = {
	0xA, 0x5, 0xF, 0x6, 0x7, 0xC, 0x1, 0xB,
	0x9, 0x2, 0x8, 0xD, 0x4, 0x3, 0xE, 0x0,
};

/* The check digit of id's upper seven nibbles. */
static uint8_t
hdhr_sum(uint32_t id)
{
	uint8_t c = 0;
	int shift;

	for (shift = 28; shift >= 12; shift -= 8)
		c ^= hdhr_lookup[(id >> shift) & 0xF] ^ ((id >> (shift - 4)) & 0xF);
	return c ^ hdhr_lookup[(id >> 4) & 0xF];
}

uint32_t
hdhr_id_fix(uint32_t id)
{
	id &= ~(uint32_t)0xF;
	return id | hdhr_sum(id);
}

int
hdhr_id_valid(uint32_t id)
{
	return hdhr_sum(id) == (id & 0xF);
}

/* 8 hex digits, nothing else. */
static int
hdhr_id_parse(const char *s, uint32_t *id)
{
	size_t i;

	for (i = 0; i < 8; i++)
		if (s[i] == '\0' || !strchr("0123456789ABCDEFabcdef", s[i]))
			return -1;
	if (s[8] != '\0' && s[8] != '\n')
		return -1;
	*id = (uint32_t)strtoul(s, NULL, 16);
	return hdhr_id_valid(*id) ? 0 : -1;
}

/*
 * The install's id from SPOOL/.device-id, made on first use: written to a
 * temporary and linked into place, so that two first requests at once
 * agree on the one that got there first.
 */
int
hdhr_device_id(const char *spool, char out[9])
{
	char path[1024], tmp[1100], buf[16];
	uint32_t id;
	ssize_t n;
	int fd, tries;

	if (sd_pathf(path, sizeof(path), "%s/%s", spool, HDHR_ID_FILE) == -1)
		return -1;
	for (tries = 0; tries < 3; tries++) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) != -1) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			buf[n > 0 ? n : 0] = '\0';
			if (hdhr_id_parse(buf, &id) == 0) {
				snprintf(out, 9, "%08X", id);
				return 0;
			}
			unlink(path);	/* not ours: make a new one */
		}
		if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
			return -1;
		id = hdhr_id_fix(id);
		snprintf(buf, sizeof(buf), "%08X\n", id);
		if (sd_pathf(tmp, sizeof(tmp), "%s.%ld", path,
		    (long)getpid()) == -1)
			return -1;
		mkdir(spool, 0755);
		if (sd_write_atomic(tmp, buf, 9, 0644, 0) == -1)
			return -1;
		if (link(tmp, path) == -1 && errno != EEXIST) {
			unlink(tmp);
			return -1;
		}
		unlink(tmp);
	}
	return -1;
}

/* The number a proxy has on the tuner: its own, else one past the
 * highest, in the order of the files. */
static void
guide_numbers(const struct sd_config *cfg, int *num)
{
	size_t i;
	int next = 0;

	for (i = 0; i < cfg->nproxies; i++)
		if (cfg->proxies[i].number > next)
			next = cfg->proxies[i].number;
	for (i = 0; i < cfg->nproxies; i++)
		num[i] = cfg->proxies[i].number > 0 ? cfg->proxies[i].number :
		    ++next;
}

static int
send_json(struct srv *s, struct sd_buf *b)
{
	int rc = srv_send_body(s, "application/json", "no-cache", NULL,
	    b->p ? b->p : "", b->len);

	sd_buf_free(b);
	return rc;
}

static int
discover(struct srv *s, const char *base, const char *id)
{
	struct sd_buf b, url;

	sd_buf_init(&b);
	sd_buf_init(&url);
	sd_buf_printf(&url, "%s/lineup.json", base);
	sd_buf_printf(&b, "{\"FriendlyName\":\"sd\",\"ModelNumber\":"
	    "\"HDTC-2US\",\"FirmwareName\":\"hdhomeruntc_atsc\","
	    "\"FirmwareVersion\":\"20200101\",\"DeviceID\":\"%s\","
	    "\"DeviceAuth\":\"sd%s\",\"BaseURL\":", id, id);
	sd_json_string(&b, base);
	sd_buf_printf(&b, ",\"LineupURL\":");
	sd_json_string(&b, url.p ? url.p : "");
	sd_buf_printf(&b, ",\"TunerCount\":%d}\n",
	    s->cfg->settings.max_sessions);
	sd_buf_free(&url);
	return send_json(s, &b);
}

static int
lineup(struct srv *s, const char *base)
{
	const struct sd_proxy *px;
	struct sd_buf b, url;
	int *num;
	size_t i;

	if ((num = calloc(s->cfg->nproxies + 1, sizeof(*num))) == NULL)
		return srv_error(s, 500, "out of memory", 0);
	guide_numbers(s->cfg, num);
	sd_buf_init(&b);
	sd_buf_printf(&b, "[");
	for (i = 0; i < s->cfg->nproxies; i++) {
		px = &s->cfg->proxies[i];
		sd_buf_printf(&b, "%s{\"GuideNumber\":\"%d\",\"GuideName\":",
		    i ? "," : "", num[i]);
		sd_json_string(&b, px->name[0] ? px->name : px->id);
		/* a tuner streams MPEG-TS: the TS route of a smart proxy,
		 * the redirect of a direct one */
		sd_buf_init(&url);
		sd_buf_printf(&url, "%s/%s%s", base, px->id,
		    px->mode == SD_MODE_SMART ? "/stream.ts" : "");
		sd_buf_printf(&b, ",\"URL\":");
		sd_json_string(&b, url.p ? url.p : "");
		sd_buf_free(&url);
		sd_buf_printf(&b, "}");
	}
	sd_buf_printf(&b, "]\n");
	free(num);
	return send_json(s, &b);
}

/* XML text: & < > " escaped, controls dropped. */
static void
xml_text(struct sd_buf *b, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': sd_buf_printf(b, "&amp;"); break;
		case '<': sd_buf_printf(b, "&lt;"); break;
		case '>': sd_buf_printf(b, "&gt;"); break;
		case '"': sd_buf_printf(b, "&quot;"); break;
		default:
			if ((unsigned char)*s >= 0x20)
				sd_buf_append(b, s, 1);
		}
}

static int
device_xml(struct srv *s, const char *base, const char *id)
{
	struct sd_buf b;
	int rc;

	sd_buf_init(&b);
	sd_buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<root xmlns=\"urn:schemas-upnp-org:device-1-0\">\n"
	    "<specVersion><major>1</major><minor>0</minor></specVersion>\n"
	    "<URLBase>");
	xml_text(&b, base);
	sd_buf_printf(&b, "</URLBase>\n<device>\n<deviceType>"
	    "urn:schemas-upnp-org:device:MediaServer:1</deviceType>\n"
	    "<friendlyName>sd</friendlyName>\n"
	    "<manufacturer>Silicondust</manufacturer>\n"
	    "<modelName>HDTC-2US</modelName>\n"
	    "<modelNumber>HDTC-2US</modelNumber>\n"
	    "<serialNumber>%s</serialNumber>\n"
	    "<UDN>uuid:%.8s-0000-4000-8000-000000000000</UDN>\n"
	    "</device>\n</root>\n", id, id);
	rc = srv_send_body(s, "application/xml", "no-cache", NULL, b.p,
	    b.len);
	sd_buf_free(&b);
	return rc;
}

int
srv_hdhr_route(const char *path)
{
	return strcmp(path, "/discover.json") == 0 ||
	    strcmp(path, "/lineup.json") == 0 ||
	    strcmp(path, "/lineup_status.json") == 0 ||
	    strcmp(path, "/device.xml") == 0;
}

int
srv_hdhr(struct srv *s, const char *path)
{
	struct sd_buf b;
	char base[1024], id[9];

	srv_base_url(s, base, sizeof(base));
	if (strcmp(path, "/lineup.json") == 0)
		return lineup(s, base);
	if (strcmp(path, "/lineup_status.json") == 0) {
		sd_buf_init(&b);
		sd_buf_printf(&b, "{\"ScanInProgress\":0,\"ScanPossible\":1,"
		    "\"Source\":\"Cable\",\"SourceList\":[\"Cable\"]}\n");
		return send_json(s, &b);
	}
	if (hdhr_device_id(s->cfg->settings.spool, id) == -1)
		return srv_error(s, 500, "the device id cannot be kept in the "
		    "spool", 0);
	if (strcmp(path, "/discover.json") == 0)
		return discover(s, base, id);
	return device_xml(s, base, id);
}
