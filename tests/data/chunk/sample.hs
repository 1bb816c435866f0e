module Data.A (foo, Value(..)) where

-- | A value.
data Value = Number Int | Str String
  deriving (Show)

-- | Doubles.
foo :: Int -> Int
foo x = x * 2

class ToJSON a where
  toJSON :: a -> Value

instance ToJSON Int where
  toJSON = Number
