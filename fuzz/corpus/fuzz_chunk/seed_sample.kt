ipackage demo

// A repository of users.
class UserRepo(private val db: Map<String, Int>) {
    val size: Int = db.size

    fun find(name: String): Int? {
        return db[name]
    }

    /** Counts users. */
    fun count(): Int = db.size
}

object Registry {
    fun register(name: String) {
        println(name)
    }
}

fun main() {
    println("hi")
}
