package states

import (
	"context"
	"fmt"
)

// saltutilSyncKinds are the sync_* states of Salt 3006's saltutil state
// module besides sync_all, each its saltutil.sync_<kind> execution
// function.
var saltutilSyncKinds = []string{"beacons", "clouds", "engines", "grains", "executors", "log_handlers", "modules", "output", "outputters", "pillar", "proxymodules", "matchers", "renderers", "returners", "sdb", "states", "tops", "thorium", "utils", "serializers"}

func init() {
	params := func(fun string) []Param {
		return []Param{
			{Name: "name", Type: String, Doc: "a label."},
			{Name: "(any keyword argument)", Rest: true, Doc: fmt.Sprintf("accepted and ignored, as saltutil.%s's (refresh, saltenv, extmod_whitelist…).", fun)},
		}
	}
	Register("saltutil.sync_all", saltutilSyncAll, params("sync_all")...)
	Register("saltutil.sync_beacons", saltutilSyncBeacons, params("sync_beacons")...)
	Register("saltutil.sync_clouds", saltutilSyncClouds, params("sync_clouds")...)
	Register("saltutil.sync_engines", saltutilSyncEngines, params("sync_engines")...)
	Register("saltutil.sync_grains", saltutilSyncGrains, params("sync_grains")...)
	Register("saltutil.sync_executors", saltutilSyncExecutors, params("sync_executors")...)
	Register("saltutil.sync_log_handlers", saltutilSyncLogHandlers, params("sync_log_handlers")...)
	Register("saltutil.sync_modules", saltutilSyncModules, params("sync_modules")...)
	Register("saltutil.sync_output", saltutilSyncOutput, params("sync_output")...)
	Register("saltutil.sync_outputters", saltutilSyncOutputters, params("sync_outputters")...)
	Register("saltutil.sync_pillar", saltutilSyncPillar, params("sync_pillar")...)
	Register("saltutil.sync_proxymodules", saltutilSyncProxymodules, params("sync_proxymodules")...)
	Register("saltutil.sync_matchers", saltutilSyncMatchers, params("sync_matchers")...)
	Register("saltutil.sync_renderers", saltutilSyncRenderers, params("sync_renderers")...)
	Register("saltutil.sync_returners", saltutilSyncReturners, params("sync_returners")...)
	Register("saltutil.sync_sdb", saltutilSyncSdb, params("sync_sdb")...)
	Register("saltutil.sync_states", saltutilSyncStates, params("sync_states")...)
	Register("saltutil.sync_tops", saltutilSyncTops, params("sync_tops")...)
	Register("saltutil.sync_thorium", saltutilSyncThorium, params("sync_thorium")...)
	Register("saltutil.sync_utils", saltutilSyncUtils, params("sync_utils")...)
	Register("saltutil.sync_serializers", saltutilSyncSerializers, params("sync_serializers")...)
}

// saltutilSync is Salt's saltutil.sync_<kind> state: it runs the sync
// and reports what came. brine runs no custom Python modules (_modules,
// _states, _grains…), so nothing ever comes: "No updates to sync".
func saltutilSync(req *Request, kind string) Result {
	if req.Test {
		return Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("saltutil.sync_%s would have been run", kind), Changes: map[string]any{}}
	}
	return Result{Name: req.Name, Result: True, Comment: "No updates to sync", Changes: map[string]any{}}
}

// saltutilSyncAll syncs custom modules of every kind from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_all when nothing is new.
func saltutilSyncAll(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "all")
}

// saltutilSyncBeacons syncs custom beacons (_beacons) from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_beacons when nothing is new.
func saltutilSyncBeacons(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "beacons")
}

// saltutilSyncClouds syncs custom clouds (_clouds) from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_clouds when nothing is new.
func saltutilSyncClouds(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "clouds")
}

// saltutilSyncEngines syncs custom engines (_engines) from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_engines when nothing is new.
func saltutilSyncEngines(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "engines")
}

// saltutilSyncGrains syncs custom grains (_grains) from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_grains when nothing is new.
func saltutilSyncGrains(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "grains")
}

// saltutilSyncExecutors syncs custom executors (_executors) from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_executors when nothing is new.
func saltutilSyncExecutors(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "executors")
}

// saltutilSyncLogHandlers syncs custom log handlers (_log_handlers) from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_log_handlers when nothing is new.
func saltutilSyncLogHandlers(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "log_handlers")
}

// saltutilSyncModules syncs custom modules (_modules) from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_modules when nothing is new.
func saltutilSyncModules(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "modules")
}

// saltutilSyncOutput syncs custom output (_output) from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_output when nothing is new.
func saltutilSyncOutput(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "output")
}

// saltutilSyncOutputters syncs custom outputters (_outputters) from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_outputters when nothing is new.
func saltutilSyncOutputters(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "outputters")
}

// saltutilSyncPillar syncs custom pillar (_pillar) from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_pillar when nothing is new.
func saltutilSyncPillar(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "pillar")
}

// saltutilSyncProxymodules syncs custom proxymodules (_proxymodules) from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_proxymodules when nothing is new.
func saltutilSyncProxymodules(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "proxymodules")
}

// saltutilSyncMatchers syncs custom matchers (_matchers) from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_matchers when nothing is new.
func saltutilSyncMatchers(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "matchers")
}

// saltutilSyncRenderers syncs custom renderers (_renderers) from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_renderers when nothing is new.
func saltutilSyncRenderers(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "renderers")
}

// saltutilSyncReturners syncs custom returners (_returners) from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_returners when nothing is new.
func saltutilSyncReturners(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "returners")
}

// saltutilSyncSdb syncs custom sdb (_sdb) from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_sdb when nothing is new.
func saltutilSyncSdb(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "sdb")
}

// saltutilSyncStates syncs custom states (_states) from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_states when nothing is new.
func saltutilSyncStates(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "states")
}

// saltutilSyncTops syncs custom tops (_tops) from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_tops when nothing is new.
func saltutilSyncTops(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "tops")
}

// saltutilSyncThorium syncs custom thorium (_thorium) from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_thorium when nothing is new.
func saltutilSyncThorium(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "thorium")
}

// saltutilSyncUtils syncs custom utils (_utils) from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_utils when nothing is new.
func saltutilSyncUtils(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "utils")
}

// saltutilSyncSerializers syncs custom serializers (_serializers) from the state tree: brine runs no custom
// Python code, so there is nothing to sync: "No updates to sync".
//
// Salt: the comments are Salt 3006's saltutil.sync_serializers when nothing is new.
func saltutilSyncSerializers(ctx context.Context, req *Request) Result {
	return saltutilSync(req, "serializers")
}
