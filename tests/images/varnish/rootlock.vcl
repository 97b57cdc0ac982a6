vcl 4.1;
# rootlock test: no backend; every request gets a synthetic answer.
backend default none;
sub vcl_recv {
	return (synth(200, "v1"));
}
sub vcl_synth {
	set resp.body = resp.reason + {"
"};
	return (deliver);
}
