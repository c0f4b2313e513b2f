package eks

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	partitionRE = regexp.MustCompile(`^aws(-[a-z]+)*$`)
	regionRE    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	accountRE   = regexp.MustCompile(`^[0-9]{12}$`)
	// KMS key IDs: a UUID, or "mrk-" and 32 hex digits for a multi-Region key.
	keyIDRE = regexp.MustCompile(`^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$`)
)

// KeyARNExample is a well-formed KMS key ARN, for messages.
const KeyARNExample = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// KeyARN is a parsed KMS key ARN.
type KeyARN struct {
	Partition, Region, Account, KeyID string
}

// ParseKeyARN checks that s is the ARN of a KMS key,
// arn:<partition>:kms:<region>:<account>:key/<key-id>, and says what is wrong
// otherwise. Alias ARNs are refused although AssociateEncryptionConfig
// accepts them: EKS keeps the key the alias pointed to at that moment, so
// the alias would neither match what Read reports nor follow a re-pointed
// alias.
func ParseKeyARN(s string) (KeyARN, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return KeyARN{}, fmt.Errorf("%q is not an ARN; a KMS key ARN looks like %s", s, KeyARNExample)
	}
	k := KeyARN{Partition: parts[1], Region: parts[3], Account: parts[4]}
	resource := parts[5]
	switch {
	case parts[2] != "kms":
		return KeyARN{}, fmt.Errorf("%q is an ARN of the service %q, not of a KMS key (arn:<partition>:kms:...)", s, parts[2])
	case !partitionRE.MatchString(k.Partition):
		return KeyARN{}, fmt.Errorf("%q has the partition %q; expected aws, aws-cn, aws-us-gov or another aws-* partition", s, k.Partition)
	case !regionRE.MatchString(k.Region):
		return KeyARN{}, fmt.Errorf("%q has the region %q; expected a region such as eu-west-1 (the cluster's region)", s, k.Region)
	case !accountRE.MatchString(k.Account):
		return KeyARN{}, fmt.Errorf("%q has the account %q; expected a 12-digit AWS account ID", s, k.Account)
	case strings.HasPrefix(resource, "alias/"):
		return KeyARN{}, fmt.Errorf("%q is a KMS alias ARN; use the ARN of the key itself (for example the arn of an aws_kms_key "+
			"resource or data source), because EKS keeps the key an alias pointed to when it was associated", s)
	case !strings.HasPrefix(resource, "key/"):
		return KeyARN{}, fmt.Errorf("%q does not name a key: the part after the account must be key/<key-id>", s)
	}
	k.KeyID = strings.TrimPrefix(resource, "key/")
	if !keyIDRE.MatchString(k.KeyID) {
		return KeyARN{}, fmt.Errorf("%q has the key ID %q; expected a key ID such as 1234abcd-12ab-34cd-56ef-1234567890ab, or mrk- and 32 hex digits for a multi-Region key", s, k.KeyID)
	}
	return k, nil
}

func (k KeyARN) String() string {
	return fmt.Sprintf("arn:%s:kms:%s:%s:key/%s", k.Partition, k.Region, k.Account, k.KeyID)
}
