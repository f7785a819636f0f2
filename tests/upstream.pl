#!/usr/bin/perl
# upstream.pl - a real HTTP/1.1 upstream for the relay tests, on 127.0.0.1.
#
#   upstream.pl -p PORT -d DIR [-f FILE.ts] [-s SECONDS] [-x STALL] [-b EPOCH]
#
# Every connection is logged as a line "conn N PATH" to DIR/connections
# (tests/SdHTTP.pm: appended, so a restarted server keeps counting), and
# the bytes it sent to DIR/conn-N.body, so a test can cmp what a client got
# against what the source really sent. Routes:
#   /live.ts[?chunked=1&...] FILE paced in real time (SECONDS long), to EOF;
#                          chunked=1 sends it with chunked transfer coding;
#                          join=1 starts where a broadcast of FILE begun
#                          when this server started is now (a 188-byte
#                          boundary, mid-GOP like a real provider)
#   /channel.ts            FILE as a live channel: every connection joins
#                          at the point the server's clock has reached
#                          (from its start, or from EPOCH, -b: two servers
#                          of one channel in step), in real time, and sends
#                          nothing while the file STALL (-x) exists (its
#                          writer stopped: the connection stays open)
#   /redirect/N            302 to /redirect/N-1, /redirect/0 to /files/data.bin
#   /files/NAME[?chunked=1] a file of DIR/files (HLS/DASH test source),
#                          with Content-Length, or chunked in 1000-byte
#                          chunks with chunk extensions
#   anything else          404
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use Getopt::Std;
use SdHTTP;
use Time::HiRes ();

my %o;
getopts('p:d:f:s:x:b:', \%o) or die "usage: upstream.pl -p port -d dir " .
    "[-f file] [-s secs] [-x stall] [-b epoch]\n";
my ($port, $dir, $file, $secs) = ($o{p}, $o{d}, $o{f}, $o{s} || 10);
die "upstream.pl: -p and -d are needed\n" unless $port && $dir;
my $born = $o{b} // Time::HiRes::time();

sub stream {
	my ($c, $n, $chunked, $join) = @_;
	my $data = SdHTTP::slurp($file);
	my $rate = length($data) / $secs;
	if ($join && length($data) > 0) {
		my $at = int((Time::HiRes::time() - $born) * $rate) %
		    length($data);
		$data = substr($data, $at - $at % 188);
	}
	open(my $log, '>:raw', "$dir/conn-$n.body") or die "$dir/conn-$n.body: $!";
	$log->autoflush(1);
	SdHTTP::head($c, "200 OK", "Content-Type: video/mp2t",
	    $chunked ? "Transfer-Encoding: chunked" : ()) or return;
	SdHTTP::paced($c, $data, $rate, undef, $chunked, $log);
	close($log);
}

sub channel {
	my ($c, $n) = @_;
	my $data = SdHTTP::slurp($file);
	my $rate = length($data) / $secs;
	my $stall = $o{x} // '';
	SdHTTP::head($c, "200 OK", "Content-Type: video/mp2t") or return;
	my $sent;
	while (1) {
		if ($stall ne '' && -e $stall) {
			Time::HiRes::sleep(0.05);
			undef $sent;	# live: what was missed is gone
			next;
		}
		my $due = int((Time::HiRes::time() - $born) * $rate);
		$due -= $due % 188;
		return if $due >= length($data);
		$sent //= $due;
		if ($due > $sent) {
			SdHTTP::send_all($c, substr($data, $sent, $due - $sent))
			    or return;
			$sent = $due;
		}
		Time::HiRes::sleep(0.02);
	}
}

sub serve_file {
	my ($c, $name, $chunked) = @_;
	my $p = "$dir/files/$name";
	if ($name =~ m{(^|/)\.\.} || !-f $p) {
		SdHTTP::head($c, "404 Not Found", "Content-Length: 0");
		return;
	}
	my $body = eval { SdHTTP::slurp($p) } // return;
	my $type = $name =~ /\.m3u8$/ ? "application/vnd.apple.mpegurl" :
	    $name =~ /\.mpd$/ ? "application/dash+xml" : "application/octet-stream";
	if ($chunked) {
		SdHTTP::head($c, "200 OK", "Content-Type: $type",
		    "Transfer-Encoding: chunked") or return;
		for (my $i = 0; $i < length($body); $i += 1000) {
			my $part = substr($body, $i, 1000);
			SdHTTP::send_all($c, sprintf("%X;ext=1\r\n", length($part)) .
			    $part . "\r\n") or return;
		}
		SdHTTP::send_all($c, "0\r\nX-Trailer: 1\r\n\r\n");
		return;
	}
	SdHTTP::head($c, "200 OK", "Content-Type: $type",
	    "Content-Length: " . length($body), "Cache-Control: no-cache") and
	    SdHTTP::send_all($c, $body);
}

SdHTTP::serve($port, $dir, sub {
	my ($c, $path, $n) = @_;
	if ($path eq '/channel.ts' && $file) {
		channel($c, $n);
	} elsif ($path =~ m{^/live\.ts(\?.*)?$} && $file) {
		stream($c, $n, ($1 // '') =~ /chunked=1/, ($1 // '') =~ /join=1/);
	} elsif ($path =~ m{^/redirect/(\d+)$}) {
		SdHTTP::head($c, "302 Found", "Location: " .
		    ($1 > 0 ? "/redirect/" . ($1 - 1) : "/files/data.bin"),
		    "Content-Length: 0");
	} elsif ($path =~ m{^/files/([A-Za-z0-9._/-]+)(\?chunked=1)?(\?.*)?$}) {
		serve_file($c, $1, $2);
	} else {
		SdHTTP::head($c, "404 Not Found", "Content-Length: 0");
	}
});
