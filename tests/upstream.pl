#!/usr/bin/perl
# upstream.pl - a real HTTP/1.1 upstream for the relay tests, on 127.0.0.1.
#
#   upstream.pl -p PORT -d DIR [-f FILE.ts] [-s SECONDS]
#
# Every connection is logged as a line "conn N PATH" to DIR/connections
# (appended, so a restarted server keeps counting), and the bytes it sent to
# DIR/conn-N.body, so a test can cmp what a client got against what the
# source really sent. Routes:
#   /live.ts[?chunked=1&...] FILE paced in real time (SECONDS long), to EOF;
#                          chunked=1 sends it with chunked transfer coding
#   /redirect/N            302 to /redirect/N-1, /redirect/0 to /files/data.bin
#   /files/NAME[?chunked=1] a file of DIR/files (HLS/DASH test source),
#                          with Content-Length, or chunked in 1000-byte
#                          chunks with chunk extensions
#   anything else          404
use strict;
use warnings;
use IO::Socket::INET;
use Getopt::Std;
use Time::HiRes qw(time sleep);
use Fcntl qw(:flock O_WRONLY O_APPEND O_CREAT);
use POSIX ();

my %o;
getopts('p:d:f:s:', \%o) or die "usage: upstream.pl -p port -d dir [-f file] [-s secs]\n";
my ($port, $dir, $file, $secs) = ($o{p}, $o{d}, $o{f}, $o{s} || 10);
die "upstream.pl: -p and -d are needed\n" unless $port && $dir;
$SIG{CHLD} = 'IGNORE';
$SIG{PIPE} = 'IGNORE';
$SIG{TERM} = sub { kill 'TERM', -$$ if getpgrp() == $$; POSIX::_exit(0) };
setpgrp(0, 0);

my $srv = IO::Socket::INET->new(LocalAddr => "127.0.0.1:$port", Listen => 64,
    ReuseAddr => 1) or die "upstream.pl: 127.0.0.1:$port: $!\n";

sub log_conn {
	my ($path) = @_;
	local $/ = "\n";
	open(my $fh, '+>>', "$dir/connections") or die "$dir/connections: $!";
	flock($fh, LOCK_EX);
	seek($fh, 0, 0);
	my $n = 0;
	$n++ while <$fh>;
	$n++;
	print $fh "conn $n $path\n";
	close($fh);
	return $n;
}

sub head {
	my ($c, $status, @h) = @_;
	print $c "HTTP/1.1 $status\r\n", map({ "$_\r\n" } @h, "Connection: close"), "\r\n";
}

sub stream {
	my ($c, $n, $chunked) = @_;
	open(my $in, '<:raw', $file) or die "$file: $!";
	open(my $log, '>:raw', "$dir/conn-$n.body") or die;
	$log->autoflush(1);
	my $size = -s $file;
	my $rate = $size / $secs;		# bytes per second
	my $t0 = time;
	my $sent = 0;
	head($c, "200 OK", "Content-Type: video/mp2t",
	    $chunked ? "Transfer-Encoding: chunked" : ());
	$c->autoflush(1);
	while (1) {
		my $due = int((time - $t0) * $rate) + 188 * 20;
		$due -= $due % 188;
		if ($due > $sent) {
			my $got = read($in, my $buf, $due - $sent);
			last unless $got;
			# Logged before it is sent, so the log is never behind
			# what a client got.
			print $log $buf;
			if ($chunked) {
				print $c sprintf("%x\r\n", $got), $buf, "\r\n" or last;
			} else {
				print $c $buf or last;
			}
			$sent += $got;
		}
		sleep(0.02);
	}
	print $c "0\r\n\r\n" if $chunked;
	close($log);
}

sub serve_file {
	my ($c, $name, $chunked) = @_;
	my $p = "$dir/files/$name";
	if ($name =~ m{(^|/)\.\.} || !-f $p) {
		head($c, "404 Not Found", "Content-Length: 0");
		return;
	}
	open(my $in, '<:raw', $p) or return;
	local $/;
	my $body = <$in>;
	my $type = $name =~ /\.m3u8$/ ? "application/vnd.apple.mpegurl" :
	    $name =~ /\.mpd$/ ? "application/dash+xml" : "application/octet-stream";
	if ($chunked) {
		head($c, "200 OK", "Content-Type: $type", "Transfer-Encoding: chunked");
		for (my $i = 0; $i < length($body); $i += 1000) {
			my $part = substr($body, $i, 1000);
			print $c sprintf("%X;ext=1\r\n", length($part)), $part, "\r\n";
		}
		print $c "0\r\nX-Trailer: 1\r\n\r\n";
		return;
	}
	head($c, "200 OK", "Content-Type: $type", "Content-Length: " . length($body),
	    "Cache-Control: no-cache");
	print $c $body;
}

while (1) {
	my $c = $srv->accept or next;
	my $pid = fork;
	if (!defined $pid) { close $c; next }
	if ($pid) { close $c; next }
	close $srv;
	local $/ = "\r\n";
	my $req = <$c> // POSIX::_exit(0);
	while (my $l = <$c>) { last if $l eq "\r\n" }
	my (undef, $path) = split / /, $req;
	my $n = log_conn($path);
	if ($path =~ m{^/live\.ts(\?.*)?$} && $file) {
		stream($c, $n, ($1 // '') =~ /chunked=1/);
	} elsif ($path =~ m{^/redirect/(\d+)$}) {
		head($c, "302 Found", "Location: " . ($1 > 0 ? "/redirect/" . ($1 - 1) : "/files/data.bin"),
		    "Content-Length: 0");
	} elsif ($path =~ m{^/files/([A-Za-z0-9._/-]+)(\?chunked=1)?(\?.*)?$}) {
		serve_file($c, $1, $2);
	} else {
		head($c, "404 Not Found", "Content-Length: 0");
	}
	close $c;
	POSIX::_exit(0);
}
