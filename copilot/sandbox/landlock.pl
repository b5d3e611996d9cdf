# Enter a Landlock domain, then exec the command: run by bubblewrap inside the sandbox.
# Arguments: SYS_PRCTL HANDLED_FS SCOPED BADLANG PATH... -- COMMAND...
# Every right in HANDLED_FS is refused outside the PATHs; SCOPED is the scope mask.
# bubblewrap starts Perl with PERL_BADLANG=0 (no five-line warning in every command's
# output when the user's locale is not installed here); BADLANG puts the user's own
# value back for the command: "-" for none, "=VALUE" for VALUE.
# prctl's number differs by architecture, so it is passed in; Landlock's (444-446) are
# the same on all of them. no_new_privs (which landlock_restrict_self needs) is set
# here even though bubblewrap sets it too, so the helper holds on its own.
# Any failure stops here (exit 126): the command never runs with less than promised.
sub fail { print STDERR "copilot-landlock: @_\n"; exit 126; }
my ($sys_prctl, $fs, $scoped, $badlang) = splice(@ARGV, 0, 4);
if ($badlang eq '-') { delete $ENV{PERL_BADLANG}; } else { $ENV{PERL_BADLANG} = substr($badlang, 1); }
my @paths;
while (@ARGV) {
    my $arg = shift @ARGV;
    last if $arg eq '--';
    push @paths, $arg;
}
syscall($sys_prctl + 0, 38, 1, 0, 0, 0) == 0 or fail("no_new_privs: $!");  # PR_SET_NO_NEW_PRIVS
my $attr = pack('QQQ', $fs, 0, $scoped);
my $ruleset = syscall(444, $attr, length($attr), 0);
fail("create_ruleset: $!") if $ruleset < 0;
for my $path (@paths) {
    # O_PATH | O_CLOEXEC: a handle on the folder that grants nothing by itself.
    sysopen(my $handle, $path, 0x200000 | 0x80000) or fail("$path: $!");
    my $rule = pack('Ql', $fs, fileno($handle));
    syscall(445, $ruleset, 1, $rule, 0) == 0 or fail("add_rule $path: $!");
}
syscall(446, $ruleset, 0) == 0 or fail("restrict_self: $!");
exec { $ARGV[0] } @ARGV;
print STDERR "copilot-landlock: $ARGV[0]: $!\n";
exit 127;
