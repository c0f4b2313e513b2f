package provider

import (
	"os"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
)

// testAccProtoV6ProviderFactories serves the provider in-process to the
// Terraform CLI that terraform-plugin-testing runs.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"kubeharden": func() (tfprotov6.ProviderServer, error) { return NewProtocol6Server("test")(), nil },
}

func TestMain(m *testing.M) {
	os.Exit(acctest.Main(m))
}
