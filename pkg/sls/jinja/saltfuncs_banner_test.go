package jinja

import "testing"

// The wants are the output of Salt 3006's slsutil.banner
// (salt/modules/slsutil.py), run under Python 3 on the same arguments.
func TestSlsutilBanner(t *testing.T) {
	tests := []struct {
		kw   map[string]any
		want string
	}{
		{map[string]any{}, "########################################################################\n#                                                                      #\n#              THIS FILE IS MANAGED BY SALT - DO NOT EDIT              #\n#                                                                      #\n# The contents of this file are managed by Salt. Any changes to this   #\n# file may be overwritten automatically and without warning.           #\n########################################################################"},
		{map[string]any{"commentchar": " *", "borderchar": "*", "blockstart": "/**", "blockend": " */"}, "/**\n ***********************************************************************\n *                                                                     *\n *              THIS FILE IS MANAGED BY SALT - DO NOT EDIT             *\n *                                                                     *\n * The contents of this file are managed by Salt. Any changes to this  *\n * file may be overwritten automatically and without warning.          *\n ***********************************************************************\n */"},
		{map[string]any{"title": "Copyright 2019 SaltStack, Inc.", "text": "This file may not be copied or distributed without permission of SaltStack, Inc.", "width": 60}, "############################################################\n#                                                          #\n#              Copyright 2019 SaltStack, Inc.              #\n#                                                          #\n# This file may not be copied or distributed without       #\n# permission of SaltStack, Inc.                            #\n############################################################"},
		{map[string]any{"width": 120, "commentchar": "//"}, "//####################################################################################################################//\n//                                                                                                                    //\n//                                     THIS FILE IS MANAGED BY SALT - DO NOT EDIT                                     //\n//                                                                                                                    //\n// The contents of this file are managed by Salt. Any changes to this file may be overwritten automatically and       //\n// without warning.                                                                                                   //\n//####################################################################################################################//"},
		{map[string]any{"width": 31, "commentchar": ";", "borderchar": "=-", "newline": true, "title": "odd width title x"}, ";=============================;\n;                             ;\n;      odd width title x      ;\n;                             ;\n; The contents of this file   ;\n; are managed by Salt. Any    ;\n; changes to this file may be ;\n; overwritten automatically   ;\n; and without warning.        ;\n;=============================;\n"},
		{map[string]any{"width": 20, "text": "averyveryverylongwordthatmustbreak and\tsome tabs"}, "####################\n#                  #\n#   THIS FILE IS   #\n# MANAGED BY SALT  #\n#  - DO NOT EDIT   #\n#                  #\n# averyveryverylon #\n# gwordthatmustbre #\n# ak and  some     #\n# tabs             #\n####################"},
	}
	for _, tt := range tests {
		got, err := slsutilBanner(nil, tt.kw)
		if err != nil || got != tt.want {
			t.Errorf("slsutil.banner(%v) = %q, %v;\nwant %q", tt.kw, got, err, tt.want)
		}
	}
	// Salt raises ArgumentValueError: the render fails.
	if _, err := slsutilBanner(nil, map[string]any{"width": 4}); err == nil {
		t.Errorf("slsutil.banner(width=4): no error")
	}
	// Templates reach it as salt['slsutil.banner'], positional too.
	fns := SaltFuncs(SaltContext{})
	got, err := fns["slsutil.banner"]([]any{30, "//"}, nil)
	if want, _ := slsutilBanner(nil, map[string]any{"width": 30, "commentchar": "//"}); err != nil || got != want {
		t.Errorf("salt['slsutil.banner'](30, '//') = %q, %v; want %q", got, err, want)
	}
}
