console.log("release-check: placeholder");
