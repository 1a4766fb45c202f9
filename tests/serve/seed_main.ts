// Driver for the seed client: scan argv[2] on the ports of argv[3], print the
// decision of evaluateExposure as one JSON line (appended to seed_client.ts).
const [, , cliTarget, cliPorts] = process.argv;
scanPorts(cliTarget, cliPorts.split(",").map(Number))
  .then((result) => console.log(JSON.stringify(evaluateExposure(result))))
  .catch((err) => {
    console.error(String(err));
    process.exit(1);
  });
