package states

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

func testReq(fun string, test bool, args map[string]any) *Request {
	return &Request{ID: "id1", Name: "foo", Func: fun, Args: NewArgs(args), Test: test}
}

func TestTestStates(t *testing.T) {
	changed := testChanges()
	none := map[string]any{}
	tests := []struct {
		fun     string
		test    bool
		args    map[string]any
		result  Outcome
		comment string
		changes map[string]any
	}{
		{"test.nop", false, map[string]any{"anything": 1, "comment": "ignored"}, True, "Success!", none},
		{"test.nop", true, nil, True, "Success!", none},
		{"test.succeed_without_changes", false, nil, True, "Success!", none},
		{"test.succeed_without_changes", true, nil, True, "Success!", none},
		{"test.succeed_without_changes", false, map[string]any{"comment": "mine"}, True, "mine", none},
		{"test.succeed_without_changes", true, map[string]any{"comment": "mine"}, True, "mine", none},
		{"test.fail_without_changes", false, nil, False, "Failure!", none},
		{"test.fail_without_changes", false, map[string]any{"comment": "OS not supported!"}, False, "OS not supported!", none},
		{"test.fail_without_changes", true, nil, False, "If we weren't testing, this would be a failure!", none},
		{"test.succeed_with_changes", false, nil, True, "Success!", changed},
		{"test.succeed_with_changes", true, map[string]any{"comment": "mine"}, None, "If we weren't testing, this would be successful with changes", changed},
		{"test.fail_with_changes", false, nil, False, "Failure!", changed},
		{"test.fail_with_changes", true, nil, None, "If we weren't testing, this would be failed with changes", changed},
		{"test.configurable_test_state", false, nil, True, "", changed},
		{"test.configurable_test_state", false, map[string]any{"changes": false, "result": false, "comment": "bar.baz"}, False, "bar.baz", none},
		{"test.configurable_test_state", false, map[string]any{"changes": "no", "result": "yes"}, True, "", none},
		{"test.configurable_test_state", true, nil, None, "This is a test", changed},
		{"test.configurable_test_state", true, map[string]any{"changes": false, "result": false}, True, "This is a test", none},
		{"test.configurable_test_state", true, map[string]any{"changes": true, "result": false, "comment": "c"}, None, "c", changed},
		{"test.configurable_test_state", false, map[string]any{"warnings": []any{"w1", "w2"}}, True, "", changed},
		{"test.show_notification", false, map[string]any{"text": "hello"}, True, "hello", none},
		{"test.show_notification", true, map[string]any{"text": "hello"}, True, "hello", none},
	}
	for _, tt := range tests {
		fn, err := Lookup(tt.fun)
		if err != nil {
			t.Fatal(err)
		}
		got := fn(context.Background(), testReq(tt.fun, tt.test, tt.args))
		if got.Name != "foo" || got.Result != tt.result || got.Comment != tt.comment || !reflect.DeepEqual(got.Changes, tt.changes) {
			t.Errorf("%s(test=%v, %v) = %v %q %v; want %v %q %v", tt.fun, tt.test, tt.args,
				got.Result, got.Comment, got.Changes, tt.result, tt.comment, tt.changes)
		}
	}
}

func TestTestStatesRandom(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		got := testConfigurable(context.Background(), testReq("test.configurable_test_state", false, map[string]any{"changes": "Random", "result": "random"}))
		seen[got.Result.String()+"/"+map[bool]string{true: "changed", false: "same"}[got.Changed()]] = true
	}
	for _, k := range []string{"True/changed", "True/same", "False/changed", "False/same"} {
		if !seen[k] {
			t.Errorf("200 random draws never gave %s (saw %v)", k, seen)
		}
	}
	// Under test a random changes argument is never "False", so the result is None.
	for range 50 {
		got := testConfigurable(context.Background(), testReq("test.configurable_test_state", true, map[string]any{"changes": "Random"}))
		if got.Result != None {
			t.Fatalf("test=True, changes=Random: result %v; want None", got.Result)
		}
	}
}

func TestTestStatesBadArgs(t *testing.T) {
	tests := []struct {
		fun  string
		args map[string]any
		arg  string
	}{
		{"test.configurable_test_state", map[string]any{"changes": "maybe"}, `argument "changes"`},
		{"test.configurable_test_state", map[string]any{"result": []any{1}}, `argument "result"`},
		{"test.configurable_test_state", map[string]any{"warnings": map[string]any{"a": 1}}, `argument "warnings"`},
		{"test.configurable_test_state", map[string]any{"comment": []any{"x"}}, `argument "comment"`},
		{"test.show_notification", nil, `argument "text"`},
		{"test.succeed_with_changes", map[string]any{"comment": map[string]any{}}, `argument "comment"`},
		{"test.check_pillar", nil, `argument "present"`},
		{"test.check_pillar", map[string]any{"integer": map[string]any{"a": 1}}, `argument "integer"`},
		{"test.check_pillar", map[string]any{"present": "a", "verbose": "loud"}, `argument "verbose"`},
	}
	for _, tt := range tests {
		fn, _ := Lookup(tt.fun)
		for _, test := range []bool{false, true} {
			got := fn(context.Background(), testReq(tt.fun, test, tt.args))
			if got.Result != False || !strings.Contains(got.Comment, tt.arg) {
				t.Errorf("%s(test=%v, %v) = %v %q; want False naming %s", tt.fun, test, tt.args, got.Result, got.Comment, tt.arg)
			}
		}
	}
}

func TestTestCheckPillar(t *testing.T) {
	pillar := map[string]any{
		"foo": "x", "num": 3, "flag": true, "lst": []any{1, map[string]any{"deep": "y"}},
		"d": map[string]any{"sub": map[string]any{"k": 1.5}}, "nul": nil,
	}
	tests := []struct {
		args    map[string]any
		result  Outcome
		comment string
	}{
		{map[string]any{"present": []any{"foo", "d:sub:k", "lst:1:deep"}}, True, ""},
		{map[string]any{"present": "missing"}, False, "Pillar key \"missing\" is missing.\n"},
		{map[string]any{"present": "nul"}, False, "Pillar key \"nul\" is missing.\n"},
		{map[string]any{"integer": []any{"num", "flag", "foo"}}, False, "Pillar key \"foo\" is not <class 'int'>.\n"},
		{map[string]any{"string": "num", "boolean": "num"}, False, "Pillar key \"num\" is not (<class 'str'>,).\n"},
		{map[string]any{"listing": "d", "dictionary": []any{"d", "lst", "nope"}}, False,
			"Pillar key \"d\" is not <class 'list'>.\nPillar key \"lst\" is not <class 'dict'>.\nPillar key \"nope\" is missing.\n"},
		{map[string]any{"present": "foo", "integer": "num", "verbose": true}, True,
			"Those keys passed the check:\n- foo (None)\n- num (<class 'int'>)\n"},
	}
	for _, tt := range tests {
		for _, test := range []bool{false, true} {
			req := testReq("test.check_pillar", test, tt.args)
			req.Env = &Env{Pillar: pillar}
			got := testCheckPillar(context.Background(), req)
			if got.Result != tt.result || got.Comment != tt.comment || got.Changed() {
				t.Errorf("check_pillar(test=%v, %v) = %v %q %v; want %v %q", test, tt.args, got.Result, got.Comment, got.Changes, tt.result, tt.comment)
			}
		}
	}
}

func TestTestModWatch(t *testing.T) {
	fn, ok := Watcher("test")
	if !ok {
		t.Fatal("no mod_watch registered for test")
	}
	tests := []struct {
		args    map[string]any
		watched []string
		result  Outcome
		comment string
		changes map[string]any
	}{
		{nil, []string{"test: a", "file: b"}, True, "Watch statement fired.", map[string]any{"Requisites with changes": []string{"test: a", "file: b"}}},
		{nil, nil, True, "Watch statement fired.", map[string]any{"Requisites with changes": []string{}}},
		{map[string]any{"comment": "This is a custom comment"}, []string{"test: a"}, True, "This is a custom comment", map[string]any{"Requisites with changes": []string{"test: a"}}},
		{map[string]any{"result": false, "changes": false, "comment": ""}, []string{"test: a"}, False, "", map[string]any{}},
		{map[string]any{"changes": map[string]any{"k": "v"}}, nil, True, "Watch statement fired.", map[string]any{"k": "v"}},
	}
	for _, tt := range tests {
		for _, test := range []bool{false, true} {
			ctx := context.Background()
			if tt.watched != nil {
				ctx = WithWatchChanges(ctx, tt.watched)
			}
			got := fn(ctx, testReq("test.succeed_without_changes", test, tt.args))
			if got.Result != tt.result || got.Comment != tt.comment || !reflect.DeepEqual(got.Changes, tt.changes) {
				t.Errorf("mod_watch(test=%v, %v, %v) = %v %q %v; want %v %q %v", test, tt.args, tt.watched,
					got.Result, got.Comment, got.Changes, tt.result, tt.comment, tt.changes)
			}
		}
	}
	got := fn(context.Background(), testReq("test.configurable_test_state", false, map[string]any{"result": "often"}))
	if got.Result != False || !strings.Contains(got.Comment, `argument "result"`) {
		t.Errorf("mod_watch(result=often) = %v %q; want False naming result", got.Result, got.Comment)
	}
}
