{#- Jinja 3.1's urlize, with the default policies (rel="noopener"). #}
{{ 'see http://example.com/a?b=1&c=2. or (www.foo.org), mail bob@x.io and mailto:a@b.cd <https://x.y/z> http://10.0.0.1:80/x  end'|urlize }}
{{ 'go to example.com, not foo.bar'|urlize(10, true, target='_blank') }}
{{ 'ftp://files.x/a ssh://h x@y'|urlize(extra_schemes=['ftp://', 'ssh:']) }}
{{ '(http://a.com/x_(y)) @a@b.com www. https://[::1]/ http://[2001:db8::1]:8080/p'|urlize(rel='me') }}
{{ 'Ünï http://bücher.de/ü "q" <b>'|urlize }}
