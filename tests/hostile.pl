#!/usr/bin/perl
# hostile.pl - an upstream that tries to steer sd-serve (docs/SECURITY.md,
# "Upstreams"), on 127.0.0.1 only.
#
#   hostile.pl -p PORT -d DIR
#
# Connections are logged to DIR/connections as "conn N PATH"
# (tests/SdHTTP.pm), so a test can tell what sd-serve asked for, and that
# it asked for nothing it should not. Routes:
#   /files/NAME       a file of DIR/files, the query ignored; .html is
#                     served as text/html (the stored-XSS bait)
#   /r/PORT/PATH      302 to http://127.0.0.1:PORT/PATH (another origin
#                     when PORT is not this server's)
#   /slow/NAME        a status line, then headers one byte every 0.5 s,
#                     never ending (each read is quick; the exchange is not)
#   /empty/NAME       200 with an empty body
#   anything else     404
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use Getopt::Std;
use Time::HiRes qw(sleep);
use SdHTTP;

my %o;
getopts('p:d:', \%o) or die "usage: hostile.pl -p port -d dir\n";
my ($port, $dir) = ($o{p}, $o{d});
die "hostile.pl: -p and -d are needed\n" unless $port && $dir;

sub type_of {
	my ($name) = @_;
	return $name =~ /\.m3u8$/ ? "application/vnd.apple.mpegurl" :
	    $name =~ /\.mpd$/ ? "application/dash+xml" :
	    $name =~ /\.html?$/ ? "text/html" : "application/octet-stream";
}

sub serve_file {
	my ($c, $name) = @_;
	my $p = "$dir/files/$name";
	if ($name =~ m{(^|/)\.\.} || !-f $p) {
		SdHTTP::head($c, "404 Not Found", "Content-Length: 0");
		return;
	}
	my $body = SdHTTP::slurp($p);
	SdHTTP::head($c, "200 OK", "Content-Type: " . type_of($name),
	    "Content-Length: " . length($body)) and SdHTTP::send_all($c, $body);
}

sub dribble {
	my ($c) = @_;
	SdHTTP::send_all($c, "HTTP/1.1 200 OK\r\n") or return;
	while (1) {
		SdHTTP::send_all($c, "X") or return;
		sleep(0.5);
	}
}

SdHTTP::serve($port, $dir, sub {
	my ($c, $path) = @_;
	$path =~ s/\?.*//s;
	if ($path =~ m{^/files/(.+)$}) {
		serve_file($c, $1);
	} elsif ($path =~ m{^/r/(\d+)/(.*)$}) {
		SdHTTP::head($c, "302 Found",
		    "Location: http://127.0.0.1:$1/$2", "Content-Length: 0");
	} elsif ($path =~ m{^/slow/}) {
		dribble($c);
	} elsif ($path =~ m{^/empty/}) {
		SdHTTP::head($c, "200 OK", "Content-Type: video/mp2t",
		    "Content-Length: 0");
	} else {
		SdHTTP::head($c, "404 Not Found", "Content-Length: 0");
	}
});
