llocal M = {}

-- Adds two numbers.
function M.add(a, b)
  return a + b
end

function M:describe()
  return "module"
end

local function helper(x)
  return x * 2
end

function globalfn()
  return helper(1)
end

return M
