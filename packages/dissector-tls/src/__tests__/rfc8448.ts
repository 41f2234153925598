// RFC 8448 §3 "Simple 1-RTT Handshake" (TLS_AES_128_GCM_SHA256, X25519): the published messages,
// secrets, keys and protected records, as hex. Each protected record below must authenticate
// under the keys derived from the secrets, so a transcription error cannot pass unnoticed.
const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** §3 {client} construct a ClientHello handshake message (196 bytes). */
export const CLIENT_HELLO = h(`
  010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece700000613011303130201
  0000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400
  230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b00
  03020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c
  00024001`);

/** §3 {server} construct a ServerHello handshake message (90 bytes). */
export const SERVER_HELLO = h(`
  020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024
  001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304`);

/** §3 the server's EncryptedExtensions, Certificate, CertificateVerify and Finished (657 bytes). */
export const SERVER_FLIGHT = h(`
  080000240022000a00140012001d00170018001901000101010201030104001c00024001000000000b0001b9000001b5
  0001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a0603550403130372
  7361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372
  736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c
  0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0cc
  b0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a
  8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0
  300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594
  365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1
  fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b4
  2b4de100000f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc
  90db78e2d33a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671
  459e46445c9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3140000
  209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718`);

/** §3 the (EC)DHE shared secret. */
export const SHARED_SECRET = h('8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d');
/** §3 {server} extract secret "early". */
export const EARLY_SECRET = h('33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a');
/** §3 {server} derive secret for handshake "tls13 derived". */
export const DERIVED_FOR_HANDSHAKE = h('6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba');
/** §3 {server} extract secret "handshake". */
export const HANDSHAKE_SECRET = h('1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac');
/** §3 Transcript-Hash(ClientHello, ServerHello). */
export const HELLO_HASH = h('860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8');
/** §3 {server} derive secret "tls13 c hs traffic". */
export const CLIENT_HS_TRAFFIC = h('b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21');
/** §3 {server} derive secret "tls13 s hs traffic". */
export const SERVER_HS_TRAFFIC = h('b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38');
/** §3 {server} extract secret "master". */
export const MASTER_SECRET = h('18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919');
/** §3 {server} derive secret "tls13 c ap traffic". */
export const CLIENT_AP_TRAFFIC = h('9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5');
/** §3 {server} derive secret "tls13 s ap traffic". */
export const SERVER_AP_TRAFFIC = h('a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643');

/** §3 {server} derive write traffic keys for handshake data. */
export const SERVER_HS_KEY = h('3fce516009c21727d0f2e4e86ee403bc');
export const SERVER_HS_IV = h('5d313eb2671276ee13000b30');
/** §3 {client} derive read traffic keys for handshake data (the client's write keys). */
export const CLIENT_HS_KEY = h('dbfaa693d1762c5b666af5d950258d01');
export const CLIENT_HS_IV = h('5bd3c71b836e0b76bb73265f');
/** §3 {server} derive write traffic keys for application data. */
export const SERVER_AP_KEY = h('9f02283b6c9c07efc26bb9f2ac92e356');
export const SERVER_AP_IV = h('cf782b88dd83549aadf1e984');
/** §3 {client} derive write traffic keys for application data. */
export const CLIENT_AP_KEY = h('17422dda596ed5d9acd890e3c63f5051');
export const CLIENT_AP_IV = h('5b78923dee08579033e523d9');

/** §3 records on the wire, in the order they were sent. */
export const RECORD_CLIENT_HELLO = h(`
  16030100c4010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece70000061301
  13031302010000910000000b0009000006736572766572ff01000100000a00140012001d001700180019010001010102
  0103010400230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529a
  af2c002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00
  020101001c00024001`);
export const RECORD_SERVER_HELLO = h(`
  160303005a020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e269280013010000
  2e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304`);
/** The server's flight under the server handshake keys. */
export const RECORD_SERVER_FLIGHT = h(`
  17030302a2d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35edf7869fcf40aa40aa2b8ea73f848a7ca
  07612ef9f945cb960b4068905123ea78b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13b
  d9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9d7477609aee6e122a4cf51427325250c
  7d0e509289444c9b3a648f1d71035d2ed65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd61092
  8d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70a2559c09ead686945ba246ab66e5edd8044b4c6de3fcf2a8
  9441ac66272fd8fb330ef8190579b3684596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f
  4415cf9538d51a200c27034272968a264ed6540c84838d89f72c24461aad6d26f59ecaba9acbbb317b66d902f4f292a3
  6ac1b639c637ce343117b659622245317b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e
  1b7a6c7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48052c
  f93b16499a66db7cca71e4599426f7d461e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe
  5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa4f9d62d513afbb992f2b992f67f8afe67f76913fa388cb
  5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999bbf10dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038
  ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de93b5b845e275592c12335ee340bbc4fddd50278
  4016e4b3be7ef04dda49f4b440a30cb5d2af939828fd4ae3794e44f94df5a631ede42c1719bfdabf0253fe5175be898e
  750edc53370d2b`);
/** The client's Finished under the client handshake keys. */
export const RECORD_CLIENT_FINISHED = h(`
  170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd1c
  aeacab6867d726c40546`);
/** The server's NewSessionTicket under the server application keys. */
export const RECORD_TICKET = h(`
  17030300de3a6b8f90414a97d6959c3487680de5134a2b240e6cffac116e95d41d6af8f6b580dcf3d11d63c758db289a
  015940252f55713e061dc13e078891a38efbcf5753ad8ef170ad3c7353d16d9da773b9ca7f2b9fa1b6c0d4a3d03f75e0
  9c30ba1e62972ac46f75f7b981be63439b2999ce13064615139891d5e4c5b406f16e3fc181a77ca475840025db2f0a77
  f81b5ab05b94c01346755f69232c86519d86cbeeac87aac347d143f9605d64f650db4d023e70e952ca49fe5137121c74
  bc2697687e248746d6df353005f3bce18696129c8153556b3b6c6779b37bf15985684f`);
/** 50 application bytes (0x00..0x31) from the client, then the same from the server. */
export const RECORD_CLIENT_DATA = h(`
  1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b
  62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4`);
export const RECORD_SERVER_DATA = h(`
  17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8
  fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d`);
/** close_notify alerts, client then server. */
export const RECORD_CLIENT_ALERT = h('1703030013c9872760655666b74d7ff1153efd6db6d0b0e3');
export const RECORD_SERVER_ALERT = h('1703030013b58fd67166ebf599d24720cfbe7efa7a8864a9');
/** The application data both sides send. */
export const APP_DATA = Uint8Array.from({ length: 50 }, (_, i) => i);

/** The client random (the ClientHello's bytes 6..38): the key log's key. */
export const CLIENT_RANDOM = CLIENT_HELLO.subarray(6, 38);

/** The key log a client would have written for this handshake. */
export function keyLog(): string {
  const r = Buffer.from(CLIENT_RANDOM).toString('hex');
  const x = (s: Uint8Array): string => Buffer.from(s).toString('hex');
  return [
    `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${r} ${x(CLIENT_HS_TRAFFIC)}`,
    `SERVER_HANDSHAKE_TRAFFIC_SECRET ${r} ${x(SERVER_HS_TRAFFIC)}`,
    `CLIENT_TRAFFIC_SECRET_0 ${r} ${x(CLIENT_AP_TRAFFIC)}`,
    `SERVER_TRAFFIC_SECRET_0 ${r} ${x(SERVER_AP_TRAFFIC)}`,
    '',
  ].join('\n');
}
