print("flagc")
