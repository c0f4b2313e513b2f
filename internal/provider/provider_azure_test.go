package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/aks"
)

// TestAzureConfig: the azure block falls back to the ARM_* variables of
// hashicorp/azurerm, and a value unknown at plan time defers the client.
func TestAzureConfig(t *testing.T) {
	t.Setenv("ARM_SUBSCRIPTION_ID", "env-sub")
	t.Setenv("ARM_TENANT_ID", "env-tenant")
	t.Setenv("ARM_CLIENT_ID", "env-client")
	t.Setenv("ARM_CLIENT_SECRET", "env-secret")
	c, unknown := (*azureModel)(nil).config()
	want := aks.Config{SubscriptionID: "env-sub", TenantID: "env-tenant", ClientID: "env-client", ClientSecret: "env-secret"}
	if unknown || c != want {
		t.Errorf("no block: config() = %+v, %v; want %+v from the environment", c, unknown, want)
	}
	m := &azureModel{
		SubscriptionID: types.StringValue("sub"), TenantID: types.StringNull(), ClientID: types.StringNull(), ClientSecret: types.StringNull(),
		Endpoints: &azureEndpointModel{ResourceManager: types.StringValue("https://arm.example/"), ActiveDirectory: types.StringNull()},
	}
	c, unknown = m.config()
	if unknown || c.SubscriptionID != "sub" || c.TenantID != "env-tenant" || c.ResourceManagerEndpoint != "https://arm.example/" || c.AuthorityHost != "" {
		t.Errorf("config() = %+v, %v", c, unknown)
	}
	m.ClientSecret = types.StringUnknown()
	if _, unknown = m.config(); !unknown {
		t.Error("an unknown client_secret did not defer the client")
	}
	m.ClientSecret = types.StringNull()
	m.Endpoints.ActiveDirectory = types.StringUnknown()
	if _, unknown = m.config(); !unknown {
		t.Error("an unknown endpoints.active_directory did not defer the client")
	}
}
