package eks

import (
	"strings"
	"testing"
)

func TestParseKeyARN(t *testing.T) {
	good := []string{
		KeyARNExample,
		"arn:aws-cn:kms:cn-north-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab",
		"arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"arn:aws-iso-b:kms:us-isob-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	}
	for _, s := range good {
		k, err := ParseKeyARN(s)
		if err != nil {
			t.Errorf("ParseKeyARN(%q): %v", s, err)
			continue
		}
		if k.String() != s {
			t.Errorf("ParseKeyARN(%q).String() = %q", s, k.String())
		}
	}
	bad := map[string]string{
		"":                                     "is not an ARN",
		"1234abcd-12ab-34cd-56ef-1234567890ab": "is not an ARN",
		"arn:aws:iam::111122223333:role/x":     `service "iam"`,
		"arn:gcp:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab":  `partition "gcp"`,
		"arn:aws:kms:Europe:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab":     `region "Europe"`,
		"arn:aws:kms::111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab":           `region ""`,
		"arn:aws:kms:eu-west-1:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab":          `account "1111"`,
		"arn:aws:kms:eu-west-1:111122223333:alias/prod":                                "alias ARN",
		"arn:aws:kms:eu-west-1:111122223333:1234abcd-12ab-34cd-56ef-1234567890ab":      "key/<key-id>",
		"arn:aws:kms:eu-west-1:111122223333:key/":                                      `key ID ""`,
		"arn:aws:kms:eu-west-1:111122223333:key/1234ABCD-12AB-34CD-56EF-1234567890AB":  "key ID",
		"arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab ": "key ID",
	}
	for s, want := range bad {
		if _, err := ParseKeyARN(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseKeyARN(%q) = %v, want an error containing %q", s, err, want)
		}
	}
}

// FuzzParseKeyARN checks that whatever ParseKeyARN accepts prints back to
// the same string, and that nothing panics.
func FuzzParseKeyARN(f *testing.F) {
	f.Add(KeyARNExample)
	f.Add("arn:aws:kms:eu-west-1:111122223333:alias/prod")
	f.Add("arn:aws-cn:kms:cn-north-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab")
	f.Add("arn:::::")
	f.Add("arn:aws:kms:eu-west-1:111122223333:key/a:b")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKeyARN(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("ParseKeyARN(%q) failed without a message", s)
			}
			return
		}
		if k.String() != s {
			t.Fatalf("ParseKeyARN(%q) accepted it but prints %q", s, k.String())
		}
	})
}
