/*
 * xattr - extended attributes for tests/migrate.t, with the system calls
 * (no attr or acl package needed):
 *
 *   xattr set FILE NAME VALUE	set NAME (user.x, ...) to VALUE
 *   xattr acl FILE UID		an access ACL: owner rw, UID r, group r,
 *				mask r, other none (system.posix_acl_access)
 *   xattr dump FILE		every attribute as NAME=HEX, one a line, in
 *				the order the file system lists them
 *
 * Exit 0, or 1 with the system's message.
 */
#include <sys/xattr.h>

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The Linux posix_acl_xattr format: a version, then (tag, perm, id). */
static void
acl_entry(unsigned char *p, unsigned tag, unsigned perm, uint32_t id)
{
	p[0] = tag & 0xff;
	p[1] = tag >> 8;
	p[2] = perm & 0xff;
	p[3] = 0;
	p[4] = id & 0xff;
	p[5] = (id >> 8) & 0xff;
	p[6] = (id >> 16) & 0xff;
	p[7] = id >> 24;
}

static int
set_acl(const char *file, const char *uid)
{
	unsigned char acl[4 + 5 * 8] = { 2, 0, 0, 0 };
	uint32_t u = (uint32_t)strtoul(uid, NULL, 10);

	acl_entry(acl + 4, 0x01, 6, UINT32_MAX);	/* USER_OBJ rw */
	acl_entry(acl + 12, 0x02, 4, u);		/* USER uid r */
	acl_entry(acl + 20, 0x04, 4, UINT32_MAX);	/* GROUP_OBJ r */
	acl_entry(acl + 28, 0x10, 4, UINT32_MAX);	/* MASK r */
	acl_entry(acl + 36, 0x20, 0, UINT32_MAX);	/* OTHER none */
	return setxattr(file, "system.posix_acl_access", acl, sizeof(acl), 0);
}

static int
dump(const char *file)
{
	char names[65536], val[65536], *p;
	ssize_t n, v, i;

	if ((n = listxattr(file, names, sizeof(names))) == -1)
		return -1;
	for (p = names; p < names + n; p += strlen(p) + 1) {
		if ((v = getxattr(file, p, val, sizeof(val))) == -1)
			return -1;
		printf("%s=", p);
		for (i = 0; i < v; i++)
			printf("%02x", (unsigned char)val[i]);
		printf("\n");
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	int rv;

	if (argc == 5 && strcmp(argv[1], "set") == 0)
		rv = setxattr(argv[2], argv[3], argv[4], strlen(argv[4]), 0);
	else if (argc == 4 && strcmp(argv[1], "acl") == 0)
		rv = set_acl(argv[2], argv[3]);
	else if (argc == 3 && strcmp(argv[1], "dump") == 0)
		rv = dump(argv[2]);
	else {
		fprintf(stderr, "usage: xattr set file name value | "
		    "acl file uid | dump file\n");
		return 64;
	}
	if (rv == -1)
		err(1, "%s", argv[2]);
	return 0;
}
