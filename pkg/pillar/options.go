package pillar

import "log/slog"

// Options are the Salt options that steer how a pillar is compiled, as
// a config file holds them: the master's, and a masterless minion's
// (salt-call --local reads them from the minion config, the minion
// being its own master then). Both configs embed them inline, so the
// keys are the same in each.
type Options struct {
	// PillarMerging is Salt's pillar_source_merging_strategy: how the
	// data of the pillar SLS files merge (smart, recurse, aggregate,
	// overwrite, none).
	PillarMerging string `yaml:"pillar_source_merging_strategy"`
	// PillarMergeLists is Salt's pillar_merge_lists: recurse joins the
	// lists two pillar files give one key rather than keep the last.
	PillarMergeLists bool `yaml:"pillar_merge_lists"`
	// PillarIncludesOverride is Salt's pillar_includes_override_sls: the
	// data of a pillar SLS's includes wins over its own.
	PillarIncludesOverride bool `yaml:"pillar_includes_override_sls"`
	// ExtPillar is Salt's ext_pillar: a list of one-key mappings, an
	// external pillar module (cmd_yaml, cmd_json) to its command, whose
	// data each pillar gets; ExtPillarFirst is ext_pillar_first, their
	// data under the SLS files' rather than over it.
	ExtPillar      any  `yaml:"ext_pillar"`
	ExtPillarFirst bool `yaml:"ext_pillar_first"`
	// PillarSafeRenderError is Salt's pillar_safe_render_error: a pillar
	// SLS that fails to render is named alone under _errors ("Please
	// see master log for details"); false puts the render error there.
	PillarSafeRenderError bool `yaml:"pillar_safe_render_error"`
	// GPGKeyDir is Salt's gpg_keydir: the GnuPG home whose secret keys
	// decrypt the PGP messages of pillar files rendered with gpg
	// (#!yaml|gpg). GPGMustSucceed is gpg_decrypt_must_succeed: a
	// message that does not decrypt fails its pillar SLS rather than
	// stay as it was (logged).
	GPGKeyDir      string `yaml:"gpg_keydir"`
	GPGMustSucceed bool   `yaml:"gpg_decrypt_must_succeed"`
	// DecryptPillar is Salt's decrypt_pillar: pillar keys (or {key:
	// renderer}) whose values are decrypted with gpg once a pillar is
	// compiled; DecryptPillarDelimiter joins nested keys in them,
	// DecryptPillarDefault is the renderer of a key without one.
	DecryptPillar          any    `yaml:"decrypt_pillar"`
	DecryptPillarDelimiter string `yaml:"decrypt_pillar_delimiter"`
	DecryptPillarDefault   string `yaml:"decrypt_pillar_default"`
}

// DefaultOptions are Salt's defaults, but for gpg_keydir, which is
// brine's.
func DefaultOptions() Options {
	return Options{
		PillarMerging:          StrategySmart,
		GPGKeyDir:              DefaultGPGKeyDir,
		ExtPillar:              []any{},
		DecryptPillar:          []any{},
		DecryptPillarDelimiter: ":",
		DecryptPillarDefault:   "gpg",
		PillarSafeRenderError:  true,
	}
}

// Validate checks what the YAML types cannot: the merging strategy and
// the shapes of ext_pillar and decrypt_pillar.
func (o Options) Validate() error {
	if _, err := ParseDecryptPillar(o.DecryptPillar); err != nil {
		return err
	}
	if _, err := ParseExtPillar(o.ExtPillar); err != nil {
		return err
	}
	if !ValidStrategy(o.PillarMerging) {
		return &StrategyError{Strategy: o.PillarMerging}
	}
	return nil
}

// Configure sets what o says on c, log getting what Salt logs alone
// (an ext_pillar command that fails, a message gpg cannot decrypt).
// o must have passed Validate.
func (o Options) Configure(c *Compiler, log *slog.Logger) {
	c.Merging = Merging{Strategy: o.PillarMerging, Lists: o.PillarMergeLists}
	c.IncludesOverride = o.PillarIncludesOverride
	c.Ext, _ = ParseExtPillar(o.ExtPillar)
	c.ExtFirst = o.ExtPillarFirst
	c.ExtLog = log
	c.DecryptPillar, _ = ParseDecryptPillar(o.DecryptPillar)
	c.DecryptDelimiter = o.DecryptPillarDelimiter
	c.DecryptDefault = o.DecryptPillarDefault
	keyDir := o.GPGKeyDir
	if keyDir == "" {
		keyDir = DefaultGPGKeyDir
	}
	c.GPG = &GPG{KeyDir: keyDir, MustSucceed: o.GPGMustSucceed, Log: log}
}
