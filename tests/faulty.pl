#!/usr/bin/perl
# faulty.pl - an upstream that misbehaves, for the fault tests, on 127.0.0.1.
#
#   faulty.pl -p PORT -d DIR -a A.ts [-b B.ts] [-n SECONDS] [-s SECONDS]
#       [-c SECONDS]
#
# Every connection is logged as "conn N PATH" to DIR/connections. A is
# sent paced over -s SECONDS (default 10), by 188-byte packets; B at the
# same byte rate. After -n SECONDS (default 3) of good data the routes misbehave:
#   /ok.ts        A, to its end
#   /stall.ts     A for -n s, then nothing more on an open connection
#                 (held 120 s at most); the next connection does it again
#   /reset.ts     A for -n s, then a TCP reset (SO_LINGER 0) in mid-packet
#   /garbage.ts   200 video/mp2t, then random bytes that are not MPEG-TS
#   /switch.ts    A for -c s (default 8), then B on the same connection:
#                 the codecs change
#                 mid-stream (new PMT, same PIDs), as a provider's encoder
#                 swap does
#   /badhead      a status line that is not HTTP
#   /hugehead     200, then header lines without end
#   /badchunk     chunked, with a chunk size that is not hex
use strict;
use warnings;
use IO::Socket::INET;
use Socket qw(SOL_SOCKET SO_LINGER);
use Getopt::Std;
use Time::HiRes qw(time sleep);
use Fcntl qw(:flock);
use POSIX ();

my %o;
getopts('p:d:a:b:n:s:c:', \%o) or die "usage: faulty.pl -p port -d dir -a A.ts\n";
my ($port, $dir, $fa, $fb) = @o{qw(p d a b)};
my $good = $o{n} || 3;
my $secs = $o{s} || 10;
my $switch = $o{c} || 8;
my $rate = (-s $fa) / $secs;		# bytes a second, for every file
die "faulty.pl: -p, -d and -a are needed\n" unless $port && $dir && $fa;
$SIG{CHLD} = 'IGNORE';
$SIG{PIPE} = 'IGNORE';
$SIG{TERM} = sub { kill 'TERM', -$$ if getpgrp() == $$; POSIX::_exit(0) };
setpgrp(0, 0);

my $srv = IO::Socket::INET->new(LocalAddr => "127.0.0.1:$port", Listen => 64,
    ReuseAddr => 1) or die "faulty.pl: 127.0.0.1:$port: $!\n";

sub log_conn {
	my ($path) = @_;
	local $/ = "\n";
	open(my $fh, '+>>', "$dir/connections") or die "$dir/connections: $!";
	flock($fh, LOCK_EX);
	seek($fh, 0, 0);
	my $n = 0;
	$n++ while <$fh>;
	print $fh "conn ", $n + 1, " $path\n";
	close($fh);
}

sub slurp {
	open(my $in, '<:raw', $_[0]) or die "$_[0]: $!";
	local $/;
	return scalar <$in>;
}

# Send $data paced so that it lasts $secs; stop after $limit seconds
# (undef: to the end). Returns 0 when the client went away.
sub paced {
	my ($c, $data, $limit) = @_;
	my ($t0, $sent) = (time, 0);
	while ($sent < length($data)) {
		my $el = time - $t0;
		return 1 if defined $limit && $el >= $limit;
		my $due = int($el * $rate) + 188 * 20;
		$due -= $due % 188;
		$due = length($data) if $due > length($data);
		if ($due > $sent) {
			defined(syswrite($c, $data, $due - $sent, $sent)) or return 0;
			$sent = $due;
		}
		sleep(0.02);
	}
	return 1;
}

sub head {
	my ($c, @h) = @_;
	syswrite($c, join('', "HTTP/1.1 200 OK\r\n", map({ "$_\r\n" } @h),
	    "Connection: close\r\n\r\n"));
}

sub serve {
	my ($c) = @_;
	my $req = '';
	while ($req !~ /\r?\n\r?\n/) {
		my $n = sysread($c, $req, 4096, length $req) or return;
		return if length $req > 65536;
	}
	my ($path) = $req =~ m{^GET (\S+)};
	$path //= '';
	log_conn($path);
	my $a = slurp($fa);
	if ($path eq '/ok.ts') {
		head($c, 'Content-Type: video/mp2t');
		paced($c, $a);
	} elsif ($path eq '/stall.ts') {
		head($c, 'Content-Type: video/mp2t');
		paced($c, $a, $good) and sleep(120);
	} elsif ($path eq '/reset.ts') {
		head($c, 'Content-Type: video/mp2t');
		if (paced($c, $a, $good)) {
			syswrite($c, substr($a, 0, 100));	# mid-packet
			setsockopt($c, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0));
		}
	} elsif ($path eq '/garbage.ts') {
		head($c, 'Content-Type: video/mp2t');
		srand(7);
		my $junk = join('', map { chr(int(rand(256)) | 1) } 1 .. 65536);
		$junk =~ tr/\x47/\x48/;		# never a sync byte
		paced($c, $junk x 8);
	} elsif ($path eq '/switch.ts') {
		head($c, 'Content-Type: video/mp2t');
		paced($c, $a, $switch) and paced($c, slurp($fb // $fa));
	} elsif ($path eq '/badhead') {
		syswrite($c, "HTX/9 nonsense\r\n\r\n");
	} elsif ($path eq '/hugehead') {
		syswrite($c, "HTTP/1.1 200 OK\r\n");
		for (1 .. 20000) {
			defined(syswrite($c, "X-Pad-$_: " . ('x' x 64) . "\r\n")) or last;
		}
	} elsif ($path eq '/badchunk') {
		head($c, 'Content-Type: video/mp2t', 'Transfer-Encoding: chunked');
		syswrite($c, sprintf("%x\r\n", 188 * 100) . substr($a, 0, 18800) .
		    "\r\nzz-not-hex\r\n" . substr($a, 18800, 18800));
	} else {
		syswrite($c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
	}
	close($c);
}

while (1) {
	my $c = $srv->accept or next;
	my $pid = fork;
	if (defined $pid && $pid == 0) {
		close($srv);
		serve($c);
		POSIX::_exit(0);
	}
	close($c);
}
