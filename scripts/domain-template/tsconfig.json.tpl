{
  "extends": "../../../tsconfig.base.json",
  "include": ["src", "migrations", "test"]
}
