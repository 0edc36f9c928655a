// jobcheck MANIFEST ENV APP [OVERRIDES_DIR]: parses, interpolates, validates a Scheduled Job manifest with Copilot's code and
// renders its CloudFormation template (stack.NewScheduledJob), printing the template or Copilot's error.
package main

import (
	"fmt"
	"os"

	"github.com/aws/copilot-cli/internal/pkg/config"
	"github.com/aws/copilot-cli/internal/pkg/deploy/cloudformation/stack"
	"github.com/aws/copilot-cli/internal/pkg/manifest"
	"github.com/aws/copilot-cli/internal/pkg/override"
)

func main() {
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail("read", err)
	}
	env, app := os.Args[2], os.Args[3]
	os.Setenv("COPILOT_APPLICATION_NAME", app)
	os.Setenv("COPILOT_ENVIRONMENT_NAME", env)
	interpolated, err := manifest.NewInterpolator(app, env).Interpolate(string(raw))
	if err != nil {
		fail("interpolate", err)
	}
	mft, err := manifest.UnmarshalWorkload([]byte(interpolated))
	if err != nil {
		fail("unmarshal", err)
	}
	applied, err := mft.ApplyEnv(env)
	if err != nil {
		fail("apply env", err)
	}
	if err := applied.Validate(); err != nil {
		fail("validate", err)
	}
	job, ok := applied.Manifest().(*manifest.ScheduledJob)
	if !ok {
		fail("type", fmt.Errorf("not a Scheduled Job: %T", applied.Manifest()))
	}
	s, err := stack.NewScheduledJob(stack.ScheduledJobConfig{
		App: &config.Application{Name: app}, Env: env, Manifest: job, RawManifest: interpolated,
		ArtifactBucketName: "bucket", ArtifactKey: "key",
		RuntimeConfig: stack.RuntimeConfig{
			PushedImages: map[string]stack.ECRImage{aws(job.Name): {RepoURL: "123456789012.dkr.ecr.us-west-2.amazonaws.com/" + app + "/" + aws(job.Name), ImageTag: "1a2b3c4d-" + env}},
			AccountID:    "123456789012", Region: "us-west-2", EnvVersion: "v1.42.0", Version: "v1.33.2",
			ServiceDiscoveryEndpoint: env + "." + app + ".local",
		},
	})
	if err != nil {
		fail("stack", err)
	}
	tpl, err := s.Template()
	if err != nil {
		fail("template", err)
	}
	if len(os.Args) > 4 {
		// Copilot's YAML-patch overrider on the rendered template, as `copilot job package` applies overrides/.
		out, err := override.WithPatch(os.Args[4], override.PatchOpts{}).Override([]byte(tpl))
		if err != nil {
			fail("override", err)
		}
		tpl = string(out)
	}
	params, err := s.Parameters()
	if err != nil {
		fail("parameters", err)
	}
	for _, p := range params {
		fmt.Fprintf(os.Stderr, "param %s=%s\n", *p.ParameterKey, *p.ParameterValue)
	}
	fmt.Print(tpl)
}

func aws(s *string) string { return *s }

func fail(step string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", step, err)
	os.Exit(1)
}
