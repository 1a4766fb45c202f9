# ssl_pki.sh - the certificates of the ssl agreement test (sourced; POSIX sh).
#   ssl_make_pki DIR : root + intermediate CA and one leaf per case, NAME.pem
#   (leaf), NAME.key, NAME.chain.pem (leaf + intermediate, what nginx serves):
#     good        RSA 2048, SHA-256, 400 days
#     rsa1024     RSA 1024, SHA-256, 400 days
#     sha1        RSA 2048, signed with SHA-1
#     expiring    RSA 2048, notAfter in 10 days
#     incomplete  like good; served without the intermediate
#   Every leaf: CN=localhost, SAN DNS:localhost, IP:127.0.0.1.

ssl_leaf() { # DIR NAME BITS MD DAYS
	openssl req -new -newkey "rsa:$3" -nodes -keyout "$1/$2.key" -out "$1/$2.csr" \
		-subj "/CN=localhost" 2>/dev/null || return 1
	printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n%s\n%s\n' \
		"extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" >"$1/leaf.ext"
	openssl x509 -req -in "$1/$2.csr" -CA "$1/int.pem" -CAkey "$1/int.key" -CAcreateserial \
		"-$4" -days "$5" -extfile "$1/leaf.ext" -out "$1/$2.pem" 2>/dev/null || return 1
	cat "$1/$2.pem" "$1/int.pem" >"$1/$2.chain.pem"
}

ssl_make_pki() { # DIR
	d=$1
	mkdir -p "$d"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/root.key" -out "$d/root.pem" \
		-days 3650 -subj "/O=Portgate Test/CN=Portgate Test Root" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null || return 1
	openssl req -new -newkey rsa:2048 -nodes -keyout "$d/int.key" -out "$d/int.csr" \
		-subj "/O=Portgate Test/CN=Portgate Test Intermediate" 2>/dev/null || return 1
	printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' \
		>"$d/int.ext"
	openssl x509 -req -in "$d/int.csr" -CA "$d/root.pem" -CAkey "$d/root.key" -CAcreateserial \
		-sha256 -days 3000 -extfile "$d/int.ext" -out "$d/int.pem" 2>/dev/null || return 1
	ssl_leaf "$d" good 2048 sha256 400 &&
	ssl_leaf "$d" rsa1024 1024 sha256 400 &&
	ssl_leaf "$d" sha1 2048 sha1 400 &&
	ssl_leaf "$d" expiring 2048 sha256 10 &&
	ssl_leaf "$d" incomplete 2048 sha256 400
}
