#!/usr/bin/perl
# faulty.pl - an upstream that misbehaves, for the fault tests, on 127.0.0.1.
#
#   faulty.pl -p PORT -d DIR -a A.ts [-b B.ts] [-n SECONDS] [-s SECONDS]
#       [-c SECONDS]
#
# Every connection is logged as "conn N PATH" to DIR/connections
# (tests/SdHTTP.pm). A is sent paced over -s SECONDS (default 10), by
# 188-byte packets; B at the same byte rate. After -n SECONDS (default 3)
# of good data the routes misbehave:
#   /ok.ts        A, to its end
#   /stall.ts     A for -n s, then nothing more on an open connection
#                 (held 120 s at most); the next connection does it again
#   /reset.ts     A for -n s, then a TCP reset (SO_LINGER 0) in mid-packet
#   /garbage.ts   200 video/mp2t, then random bytes that are not MPEG-TS
#   /switch.ts    A for -c s (default 8), then B on the same connection:
#                 the codecs change mid-stream (new PMT, same PIDs), as a
#                 provider's encoder swap does
#   /badhead      a status line that is not HTTP
#   /hugehead     200, then header lines without end
#   /badchunk     chunked, with a chunk size that is not hex
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use Socket qw(SOL_SOCKET SO_LINGER);
use Getopt::Std;
use Time::HiRes qw(sleep);
use SdHTTP;

my %o;
getopts('p:d:a:b:n:s:c:', \%o) or die "usage: faulty.pl -p port -d dir -a A.ts\n";
my ($port, $dir, $fa, $fb) = @o{qw(p d a b)};
my $good = $o{n} || 3;
my $secs = $o{s} || 10;
my $switch = $o{c} || 8;
die "faulty.pl: -p, -d and -a are needed\n" unless $port && $dir && $fa;
my $rate = (-s $fa) / $secs;		# bytes a second, for every file

sub ts_head { SdHTTP::head($_[0], "200 OK", 'Content-Type: video/mp2t') }

SdHTTP::serve($port, $dir, sub {
	my ($c, $path) = @_;
	my $a = SdHTTP::slurp($fa);
	if ($path eq '/ok.ts') {
		ts_head($c) and SdHTTP::paced($c, $a, $rate);
	} elsif ($path eq '/stall.ts') {
		ts_head($c) and SdHTTP::paced($c, $a, $rate, $good) and sleep(120);
	} elsif ($path eq '/reset.ts') {
		if (ts_head($c) && SdHTTP::paced($c, $a, $rate, $good)) {
			syswrite($c, substr($a, 0, 100));	# mid-packet
			setsockopt($c, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0));
		}
	} elsif ($path eq '/garbage.ts') {
		srand(7);
		my $junk = join('', map { chr(int(rand(256)) | 1) } 1 .. 65536);
		$junk =~ tr/\x47/\x48/;		# never a sync byte
		ts_head($c) and SdHTTP::paced($c, $junk x 8, $rate);
	} elsif ($path eq '/switch.ts') {
		ts_head($c) and SdHTTP::paced($c, $a, $rate, $switch) and
		    SdHTTP::paced($c, SdHTTP::slurp($fb // $fa), $rate);
	} elsif ($path eq '/badhead') {
		syswrite($c, "HTX/9 nonsense\r\n\r\n");
	} elsif ($path eq '/hugehead') {
		syswrite($c, "HTTP/1.1 200 OK\r\n");
		for (1 .. 20000) {
			defined(syswrite($c, "X-Pad-$_: " . ('x' x 64) . "\r\n")) or last;
		}
	} elsif ($path eq '/badchunk') {
		SdHTTP::head($c, "200 OK", 'Content-Type: video/mp2t',
		    'Transfer-Encoding: chunked');
		syswrite($c, sprintf("%x\r\n", 188 * 100) . substr($a, 0, 18800) .
		    "\r\nzz-not-hex\r\n" . substr($a, 18800, 18800));
	} else {
		SdHTTP::head($c, "404 Not Found", "Content-Length: 0");
	}
});
