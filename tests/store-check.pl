#!/usr/bin/perl
# store-check.pl DIR... - the promise of sd-store(5) for each store DIR:
# its index (read once, as a reader would) names only files that are there
# and whole: a segment of exactly bytes= bytes, a non-empty header.
# Prints "DIR: N segments, first seq S, last seq L, D discontinuities" or
# what is wrong, and exits 1 when anything is. A store without an index
# yet is fine ("no index").
use strict;
use warnings;

my $bad = 0;
for my $dir (@ARGV) {
	my $text = do {
		local $/;
		open(my $fh, '<', "$dir/index") or do {
			print "$dir: no index\n";
			next;
		};
		<$fh>;
	};
	if ($text !~ /\Asd-store 1\n/) {
		print "$dir: index does not start with sd-store 1\n";
		$bad = 1;
		next;
	}
	my ($n, $first, $last, $disc) = (0, undef, undef, 0);
	for my $line (split /\n/, $text) {
		next unless $line =~ /^seg /;
		my %f = map { split /=/, $_, 2 } grep { /=/ } split / /, $line;
		$n++;
		$first //= $f{seq};
		$last = $f{seq};
		$disc++ if ($f{disc} // 0) == 1;
		my $size = -s "$dir/$f{file}";
		if (!defined $size) {
			print "$dir: $f{file} is named but missing\n";
			$bad = 1;
		} elsif ($size != $f{bytes}) {
			print "$dir: $f{file} has $size bytes, the index says $f{bytes}\n";
			$bad = 1;
		}
		if (defined $f{init} && $f{init} ne '' && !-s "$dir/$f{init}") {
			print "$dir: header $f{init} is named but missing or empty\n";
			$bad = 1;
		}
	}
	printf "%s: %d segments, first seq %s, last seq %s, %d discontinuities\n",
	    $dir, $n, $first // '-', $last // '-', $disc;
}
exit $bad;
