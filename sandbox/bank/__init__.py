"""A sandbox partner bank issuing social security cards (社会保障卡); each bank knows only its own cards."""
