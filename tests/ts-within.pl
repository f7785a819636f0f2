#!/usr/bin/perl
# ts-within.pl GOT SENT: GOT is a run of SENT's bytes starting on a 188-byte
# packet of SENT (a TS client joins at the live edge). Prints "offset=N
# bytes=M" and exits 0, or says where they differ and exits 1.
use strict;
use warnings;
sub slurp { open(my $f, '<:raw', $_[0]) or die "$_[0]: $!\n"; local $/; my $d = <$f>; $d // '' }
my ($got, $sent) = (slurp($ARGV[0]), slurp($ARGV[1]));
length($got) >= 188 * 10 or do { print "got only ", length($got), " bytes\n"; exit 1 };
my $off = index($sent, substr($got, 0, 188 * 10));
$off >= 0 or do { print "the first 10 packets got are nowhere in what was sent\n"; exit 1 };
$off % 188 == 0 or do { print "joined at $off, not on a packet boundary\n"; exit 1 };
my $part = substr($sent, $off, length($got));
if ($part ne $got) {
	my $i = 0;
	$i++ while $i < length($part) && substr($part, $i, 1) eq substr($got, $i, 1);
	print "differ at byte $i of ", length($got), " (sent has ", length($sent) - $off, " from offset $off)\n";
	exit 1;
}
print "offset=$off bytes=", length($got), "\n";
exit 0;
