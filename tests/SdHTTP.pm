# SdHTTP.pm - the HTTP/1.1 serving loop of the test upstreams
# (tests/upstream.pl, tests/faulty.pl), on 127.0.0.1 only.
#
#   use FindBin; use lib $FindBin::Bin; use SdHTTP;
#   SdHTTP::serve($port, $dir, sub { my ($c, $path, $n) = @_; ... });
#
# serve listens on 127.0.0.1:PORT and forks a process per connection, which
# reads the request head, logs "conn N PATH" to DIR/connections (appended
# under a lock, so a restarted server keeps counting) and calls the handler
# with the socket, the request path and N; the connection is closed when
# the handler returns. SIGTERM stops the server and every connection it
# serves (they share its process group).
package SdHTTP;
use strict;
use warnings;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);
use Fcntl qw(:flock);
use POSIX ();

use constant HEAD_MAX => 65536;	# a request head longer than this is dropped
use constant AHEAD => 188 * 20;	# bytes sent ahead of the pace

sub serve {
	my ($port, $dir, $handler) = @_;
	$SIG{CHLD} = 'IGNORE';
	$SIG{PIPE} = 'IGNORE';
	$SIG{TERM} = sub { kill 'TERM', -$$ if getpgrp() == $$; POSIX::_exit(0) };
	setpgrp(0, 0);
	my $srv = IO::Socket::INET->new(LocalAddr => "127.0.0.1:$port",
	    Listen => 64, ReuseAddr => 1) or die "$0: 127.0.0.1:$port: $!\n";
	while (1) {
		my $c = $srv->accept or next;
		my $pid = fork;
		if (defined $pid && $pid == 0) {
			close($srv);
			my $path = read_head($c);
			$handler->($c, $path, log_conn($dir, $path)) if defined $path;
			close($c);
			POSIX::_exit(0);
		}
		close($c);
	}
}

# The request path of the head on $c (undef when the client sent no whole
# head); the head itself is not needed by the tests' routes.
sub read_head {
	my ($c) = @_;
	my $req = '';
	while ($req !~ /\r?\n\r?\n/) {
		sysread($c, $req, 4096, length $req) or return undef;
		return undef if length $req > HEAD_MAX;
	}
	my ($path) = $req =~ m{^[A-Z]+ (\S+)};
	return $path // '';
}

sub log_conn {
	my ($dir, $path) = @_;
	local $/ = "\n";
	open(my $fh, '+>>', "$dir/connections") or die "$dir/connections: $!";
	flock($fh, LOCK_EX);
	seek($fh, 0, 0);
	my $n = 1;
	$n++ while <$fh>;
	print $fh "conn $n $path\n";
	close($fh);
	return $n;
}

# send_all C BYTES: 1 when all of BYTES went out, 0 when the client is gone.
sub send_all {
	my ($c, $data) = @_;
	my $off = 0;
	while ($off < length $data) {
		my $n = syswrite($c, $data, length($data) - $off, $off);
		return 0 unless defined $n;
		$off += $n;
	}
	return 1;
}

# head C STATUS HEADER...: a status line, the headers and Connection: close.
sub head {
	my ($c, $status, @h) = @_;
	return send_all($c, join('', "HTTP/1.1 $status\r\n", map({ "$_\r\n" } @h),
	    "Connection: close\r\n\r\n"));
}

sub slurp {
	open(my $in, '<:raw', $_[0]) or die "$_[0]: $!";
	local $/;
	return scalar <$in>;
}

# paced C DATA RATE [LIMIT [CHUNKED [LOG]]]: send DATA at RATE bytes a
# second (in whole 188-byte packets, a little ahead), as chunks when
# CHUNKED, each part written to the filehandle LOG before it is sent, so
# that the log is never behind what a client got. Stops after LIMIT
# seconds (undef: at the end of DATA). 0 when the client went away.
sub paced {
	my ($c, $data, $rate, $limit, $chunked, $log) = @_;
	my ($t0, $sent) = (time, 0);
	while ($sent < length($data)) {
		my $el = time - $t0;
		return 1 if defined $limit && $el >= $limit;
		my $due = int($el * $rate) + AHEAD;
		$due -= $due % 188;
		$due = length($data) if $due > length($data);
		if ($due > $sent) {
			my $part = substr($data, $sent, $due - $sent);
			print $log $part if $log;
			send_all($c, $chunked ? sprintf("%x\r\n%s\r\n",
			    length $part, $part) : $part) or return 0;
			$sent = $due;
		}
		sleep(0.02);
	}
	return $chunked ? send_all($c, "0\r\n\r\n") : 1;
}

1;
