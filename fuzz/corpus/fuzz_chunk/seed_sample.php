h<?php

namespace App\Models;

/**
 * A user record.
 */
class User
{
    private string $name;

    public function __construct(string $name)
    {
        $this->name = $name;
    }

    // Returns the name.
    public function getName(): string
    {
        return $this->name;
    }
}

function helper($x)
{
    return $x * 2;
}
