/* placeholder */
#include "txn.h"
